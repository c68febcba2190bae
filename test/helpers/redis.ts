/**
 * A real redis-server for tests: Debian's package (`.ci/run` installs it when missing), started
 * on a free loopback port in a temporary folder with its append-only file on, so a test can stop
 * it and start it again on the same port with its data. No mock: a test that needs Redis fails
 * where redis-server is missing rather than skipping.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (it writes its data first). */
  stop(): Promise<void>;
  /** Starts it again on the same port with its data. */
  start(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}


/** Answers PING over a raw socket: the server is up. */
async function answers(port: number): Promise<boolean> {
  const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 });
  return r.stdout?.trim() === 'PONG' || /NOAUTH/.test(r.stdout ?? '');
}

export async function startRedis(extra: string[] = []): Promise<TestRedis> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error('redis-server is not installed: apt-get install redis-server (.ci/run does this)');
  const dir = mkdtempSync(join(tmpdir(), 'audiopred-redis-'));
  const port = await freePort();
  let server: ChildProcess | undefined;
  const start = async () => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', ...extra], { stdio: 'ignore' });
    const t0 = performance.now();
    while (!(await answers(port))) {
      if (performance.now() - t0 > 10_000) throw new Error(`redis-server did not start on port ${port}`);
      await sleep(50);
    }
  };
  const stop = async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  };
  await start();
  process.once('exit', () => {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
