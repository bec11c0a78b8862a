// The approvals page's memory shared by replicas: a session opened through one is valid through another,
// a form and an OAuth sign-in in progress are each taken once across replicas, and wrong tokens from one
// address add up; the in-process memory keeps the same rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryPageState,
  createRedisLoginFlows,
  createRedisPageState,
  type PageState,
} from '../../src/server/http/page-state.js';
import { connectSharedRedis, type SharedRedis } from '../../src/shared/redis.js';
import { type RedisServer, startRedis } from './redis-server.js';

let server: RedisServer;
let links: SharedRedis[] = [];

beforeAll(async () => {
  server = await startRedis();
  links = [1, 2].map(() => connectSharedRedis({ url: server.url, namespace: 'page', timeoutMs: 2000 }));
  await Promise.all(links.map((link) => link.ready(5000)));
});
afterAll(async () => {
  await Promise.all(links.map((link) => link.close()));
  await server?.stop();
});

function pageStateRules(name: string, make: () => [PageState, PageState]) {
  describe(`approvals page memory: ${name}`, () => {
    it('shares sessions, takes each form once, and counts wrong tokens per address', async () => {
      const [one, two] = make();
      const sid = await one.openSession('Pat (approvals page)', 60_000);
      expect(await two.session(sid)).toMatchObject({ name: 'Pat (approvals page)' });
      expect(await two.session('not-a-session')).toBeUndefined();
      await two.closeSession(sid);
      expect(await one.session(sid)).toBeUndefined();

      const until = Date.now() + 60_000;
      expect(await one.claimForm('session:x\napr_1\napprove', until)).toBe(true);
      expect(await two.claimForm('session:x\napr_1\napprove', until)).toBe(false);
      expect(await two.claimForm('session:x\napr_1\ndeny', until)).toBe(true);

      for (let i = 0; i < 3; i++) await (i % 2 ? one : two).loginFailed('198.51.100.4', 60_000);
      expect(await one.loginAllowed('198.51.100.4', 3)).toBe(false);
      expect(await two.loginAllowed('198.51.100.4', 4)).toBe(true);
      expect(await two.loginAllowed('198.51.100.5', 3)).toBe(true);
    });
  });
}

pageStateRules('in process', () => {
  const shared = createMemoryPageState();
  return [shared, shared];
});
pageStateRules('redis', () => [createRedisPageState(links[0]!), createRedisPageState(links[1]!)]);

describe('OAuth sign-ins in progress, in Redis', () => {
  it('are taken once, through any replica', async () => {
    const [one, two] = [createRedisLoginFlows(links[0]!), createRedisLoginFlows(links[1]!)];
    await one.put('flow-1', '{"state":"s"}', 60_000);
    expect(await two.take('flow-1')).toBe('{"state":"s"}');
    expect(await one.take('flow-1')).toBeUndefined();
    expect(await two.take('never-started')).toBeUndefined();
  });
});
