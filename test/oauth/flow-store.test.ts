import { randomBytes } from 'node:crypto';
import {
  FlowStore,
  type FlowStoreOptions,
  type PendingFlow,
  type ReturnedFlow,
} from '../../src/oauth/flow-store';
import { keys } from '../../src/store/keys';
import { SealedBox } from '../../src/store/sealed-box';
import { kvBackends, testClock, type TestStore } from '../support/kv-backends';

const OPTIONS: FlowStoreOptions = { namespace: 'likecoin', ttlMs: 600_000, maxOpenPerSession: 3 };

/** A state or result handle as the flow makes them (32 random bytes, base64url). */
const handle = () => randomBytes(32).toString('base64url');

function pending(sessionId: string, over: Partial<PendingFlow> = {}): PendingFlow {
  return {
    sessionId,
    carrier: 'cookie',
    returnTo: 'https://app.example/done',
    scopes: ['profile'],
    codeVerifier: randomBytes(32).toString('base64url'),
    ...over,
  };
}

function returned(sessionId: string): ReturnedFlow {
  return { ...pending(sessionId, { carrier: 'bearer' }), code: `code-${handle()}` };
}

describe.each(kvBackends('test:flow-store'))('FlowStore on $name', (backend) => {
  let clock: ReturnType<typeof testClock>;
  let store: TestStore;
  let box: SealedBox;
  let flows: FlowStore;
  beforeEach(async () => {
    clock = testClock();
    store = await backend.open(clock.now);
    box = new SealedBox([randomBytes(32)]);
    flows = new FlowStore(store.kv, box, OPTIONS);
  });
  afterEach(() => store.close());

  describe('pending flows', () => {
    it('takePending answers the saved flow once', async () => {
      const state = handle();
      const flow = pending('s1');
      await flows.savePending(state, flow);
      expect(await flows.takePending(state)).toEqual(flow);
      expect(await flows.takePending(state)).toBeUndefined();
    });

    it('two takes of one state at once: exactly one gets the flow', async () => {
      const state = handle();
      await flows.savePending(state, pending('s1'));
      const taken = await Promise.all([flows.takePending(state), flows.takePending(state)]);
      expect(taken.filter((f) => f !== undefined)).toHaveLength(1);
    });

    it('answers nothing for an unknown, malformed or non-string state', async () => {
      const state = handle();
      await flows.savePending(state, pending('s1'));
      for (const bad of [handle(), state.slice(1), `${state}x`, `${state.slice(1)}*`, '', 42]) {
        expect(await flows.takePending(bad)).toBeUndefined();
      }
      for (const bad of [undefined, null, [state], { state }]) {
        expect(await flows.takePending(bad)).toBeUndefined();
      }
      // None of those used it up.
      expect(await flows.takePending(state)).toBeDefined();
    });

    it('answers nothing for a state not shaped like a handle, even one saved under it', async () => {
      for (const odd of ['short', `${handle().slice(1)}*`, `${handle()}x`]) {
        await flows.savePending(odd, pending('s1'));
        expect(await flows.takePending(odd)).toBeUndefined();
      }
      const h = `${handle().slice(1)}.`;
      await flows.saveReturned(h, returned('s1'));
      expect(await flows.takeReturned(h)).toBeUndefined();
    });

    it('keeps each provider’s states apart', async () => {
      const other = new FlowStore(store.kv, box, { ...OPTIONS, namespace: 'other' });
      const state = handle();
      await flows.savePending(state, pending('s1'));
      expect(await other.takePending(state)).toBeUndefined();
      expect(await flows.takePending(state)).toBeDefined();
    });

    it(`keeps at most maxOpenPerSession open per session: a new one drops the oldest`, async () => {
      const states = [handle(), handle(), handle(), handle()];
      for (const state of states) await flows.savePending(state, pending('s1'));
      const otherSession = handle();
      await flows.savePending(otherSession, pending('s2'));

      expect(await flows.takePending(states[0])).toBeUndefined();
      for (const state of states.slice(1)) expect(await flows.takePending(state)).toBeDefined();
      expect(await flows.takePending(otherSession)).toBeDefined();
    });

    it('a pending flow lives ttlMs, no longer', async () => {
      const [early, late] = [handle(), handle()];
      await flows.savePending(early, pending('s1'));
      await flows.savePending(late, pending('s1'));
      await expectLivesFor(keys.oauthState(OPTIONS.namespace, early), OPTIONS.ttlMs, {
        stillThere: async () => expect(await flows.takePending(early)).toBeDefined(),
        gone: async () => expect(await flows.takePending(late)).toBeUndefined(),
      });
    });
  });

  describe('returned flows', () => {
    it('takeReturned answers the saved flow once', async () => {
      const h = handle();
      const flow = returned('s1');
      await flows.saveReturned(h, flow);
      expect(await flows.takeReturned(h)).toEqual(flow);
      expect(await flows.takeReturned(h)).toBeUndefined();
    });

    it('answers nothing for an unknown, malformed or non-string handle', async () => {
      const h = handle();
      await flows.saveReturned(h, returned('s1'));
      for (const bad of [handle(), h.slice(1), `${h}=`, 7, undefined, null, [h]]) {
        expect(await flows.takeReturned(bad)).toBeUndefined();
      }
      expect(await flows.takeReturned(h)).toBeDefined();
    });

    it('keeps the code sealed, bound to its handle', async () => {
      const [h, other] = [handle(), handle()];
      const flow = returned('s1');
      await flows.saveReturned(h, flow);
      const sealed = (await store.kv.get(keys.flowResult(OPTIONS.namespace, h)))!;
      expect(sealed).not.toContain(flow.code);
      // Copied under another handle, it does not open.
      await store.kv.set(keys.flowResult(OPTIONS.namespace, other), sealed, 60_000);
      expect(await flows.takeReturned(other)).toBeUndefined();
      expect(await flows.takeReturned(h)).toEqual(flow);
    });

    it('a returned flow lives ttlMs, no longer', async () => {
      const [early, late] = [handle(), handle()];
      await flows.saveReturned(early, returned('s1'));
      await flows.saveReturned(late, returned('s1'));
      await expectLivesFor(keys.flowResult(OPTIONS.namespace, early), OPTIONS.ttlMs, {
        stillThere: async () => expect(await flows.takeReturned(early)).toBeDefined(),
        gone: async () => expect(await flows.takeReturned(late)).toBeUndefined(),
      });
    });
  });

  /**
   * That what was saved at `key` lives `ttlMs` from now and no longer. The memory store runs on
   * the test's clock: one record is taken just before its time is up, the other just after.
   * Redis keeps its own time, which a test cannot move: there the key's own time to live says
   * it (set with the save, at most ttlMs, and not a default).
   */
  async function expectLivesFor(
    key: string,
    ttlMs: number,
    check: { stillThere: () => Promise<void>; gone: () => Promise<void> },
  ) {
    if (store.ttlOf) {
      const left = await store.ttlOf(key);
      expect(left).toBeLessThanOrEqual(ttlMs);
      expect(left).toBeGreaterThan(ttlMs - 5_000);
      return;
    }
    clock.advance(ttlMs - 1);
    await check.stillThere();
    clock.advance(1);
    await check.gone();
  }
});
