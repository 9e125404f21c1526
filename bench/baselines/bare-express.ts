/** Baseline (b): Express 5 with its defaults, one route answering the same JSON as (a). */
import express from 'express';
import { tokenAnswer } from './payloads';

const answer = tokenAnswer();
const app = express();
app.get('/livelike/token', (_req, res) => {
  res.json(answer);
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
