import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const APP = resolve(__dirname, 'bearer-app-process.mjs');
/** Longest a single call of the app may take. */
const CALL_TIMEOUT_MS = 10_000;

export type BearerAppCall =
  | 'signIn'
  | 'signOut'
  | 'session'
  | 'sessionToken'
  | 'keptTokens'
  | 'liveLikeToken'
  | 'liveLikeRenew'
  | 'connect'
  | 'complete'
  | 'likecoinFetch'
  | 'livelikeFetch';

/** A refusal as the app saw it: the client's error, its name, status and code. */
export interface BearerAppError extends Error {
  status?: number;
  code?: string;
}

export interface BearerApp {
  call<T = unknown>(name: BearerAppCall, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

interface Reply {
  id: number;
  value?: unknown;
  error?: { name: string; message: string; status?: number; code?: string };
}

/**
 * test/support/bearer-app-process.mjs in a Node process of its own: the frontend client as a
 * React Native app runs it (ES module, fetch, no DOM, no cookies), outside jest's module
 * system, which would not load it. Each call is bounded by CALL_TIMEOUT_MS.
 */
export async function startBearerApp(baseUrl: string): Promise<BearerApp> {
  const child: ChildProcess = fork(APP, [baseUrl], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await once(child, 'spawn');
  const pending = new Map<number, (reply: Reply) => void>();
  child.on('message', (reply: Reply) => pending.get(reply.id)?.(reply));
  let next = 0;

  return {
    call<T>(name: BearerAppCall, ...args: unknown[]): Promise<T> {
      const id = (next += 1);
      return new Promise<T>((resolveCall, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`the app did not answer ${name} in ${CALL_TIMEOUT_MS} ms\n${stderr}`));
        }, CALL_TIMEOUT_MS);
        pending.set(id, (reply) => {
          clearTimeout(timer);
          pending.delete(id);
          if (!reply.error) return resolveCall(reply.value as T);
          const { name: errorName, message, status, code } = reply.error;
          reject(Object.assign(new Error(message), { name: errorName, status, code }));
        });
        child.send({ id, call: name, args });
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
