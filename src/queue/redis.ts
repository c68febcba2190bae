/**
 * The Redis a queued study runs through: its URL as connection options, a check that it answers
 * (one-line errors for a wrong URL, a Redis that is down, a refused password), and the names a
 * study's keys take. Long-lived connections reconnect for ever, so a Redis that goes away pauses
 * a study and it goes on when Redis is back.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, resolve } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '../errors.js';

/** Key prefix of everything audiopred keeps in Redis (BullMQ's queues included). */
export const PREFIX = 'audiopred';
/** Hash of the studies workers serve: queue name → JSON { dir, host, created }. */
export const STUDIES_KEY = `${PREFIX}:studies`;
/** A queued run's latest checkpoint, as a worker uploaded it. */
export const checkpointKey = (queue: string, jobId: string) => `${PREFIX}:checkpoint:${queue}:${jobId}`;

/** `redis://[user:password@]host[:port][/db]` (or rediss:// for TLS) as ioredis options. */
export function redisOptions(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--redis ${url} is not a URL; give redis://HOST:PORT, e.g. --redis redis://127.0.0.1:6379`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`--redis ${url} is not a redis:// URL; give redis://HOST:PORT, e.g. --redis redis://127.0.0.1:6379`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new UsageError(`--redis ${url}: the path must be a database number (redis://HOST:PORT/0), got /${db}`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's blocking connections must wait out a reconnect rather than fail the command.
    maxRetriesPerRequest: null,
  };
}

/** Where `url` points, without its password, for messages. */
export function describeRedis(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return url;
  }
}

/** Why a connection failed, in words a user can act on. */
function reason(url: string, err: Error & { code?: string }): string {
  const where = describeRedis(url);
  const text = err.message ?? String(err);
  if (err.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(text)) return `cannot reach Redis at ${where} (connection refused): start redis-server there or fix --redis`;
  if (err.code === 'ENOTFOUND' || /ENOTFOUND|EAI_AGAIN/.test(text)) return `cannot reach Redis at ${where}: no such host; fix --redis`;
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(text)) return `Redis at ${where} refused the login (${text.split('\n')[0]}): give the right user:password in --redis redis://USER:PASSWORD@HOST:PORT`;
  if (/ETIMEDOUT|timed? ?out/i.test(text)) return `cannot reach Redis at ${where} (timed out): check the host, port and firewall`;
  return `cannot use Redis at ${where}: ${text.split('\n')[0]}`;
}

/** Checks that Redis at `url` answers (and accepts the login): a UsageError, exit 2, if not. */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis({ ...redisOptions(url), lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  let cause: Error | undefined; // the socket's error: connect() itself only says the connection closed
  client.on('error', (err: Error) => (cause ??= err));
  try {
    await client.connect();
    await client.ping();
    const info = await client.info('server');
    const major = Number(/redis_version:(\d+)/.exec(info)?.[1] ?? 0);
    if (major && major < 6) throw new UsageError(`Redis at ${describeRedis(url)} is version ${major}; BullMQ needs Redis 6.2 or later`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(reason(url, cause ?? (err as Error)));
  } finally {
    client.disconnect();
  }
}

/** A connection that reconnects for ever, saying once when it is lost and once when it is back. */
export function connect(url: string, onState: (up: boolean, why?: string) => void = () => {}): Redis {
  const client = new Redis({ ...redisOptions(url), retryStrategy: (times) => Math.min(200 * times, 2000) });
  let up = true;
  client.on('error', (err: Error) => {
    if (up) onState((up = false), reason(url, err));
  });
  client.on('ready', () => {
    if (!up) onState((up = true));
  });
  return client;
}

/** The queue a study's runs go on: its folder's name and a hash of where it is, so studies sharing a Redis never share a queue. */
export function studyQueueName(dir: string): string {
  const absolute = resolve(dir);
  const safe = basename(absolute).replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe}-${createHash('sha256').update(`${hostname()}\u0000${absolute}`).digest('hex').slice(0, 10)}`;
}
