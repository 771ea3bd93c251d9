/**
 * Joining a job ends by --timeout, whatever answers at the master address: nothing, another program that
 * accepts and never replies (c10d's store client alone would wait for it forever), or a store whose other
 * workers never come.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { initProcessGroup, processGroupBackends } from '../../src/train/distributed.js';

const hasGloo = processGroupBackends().includes('gloo');
// Ports apart from the other distributed tests' (they run in parallel files).
let nextPort = 41_000 + (process.pid % 2_000);

/** The seconds `initProcessGroup` took to reject, and its message. */
async function timeJoin(rank: number, port: number, timeout: number): Promise<{ seconds: number; message: string }> {
  const started = performance.now();
  const message = await initProcessGroup({ worldSize: 2, rank, masterPort: port, timeout, backend: 'gloo' }).then(
    () => 'joined',
    (err: Error) => err.message,
  );
  return { seconds: (performance.now() - started) / 1000, message };
}

describe.skipIf(!hasGloo)('the rendezvous deadline', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('a master address answered by a program that is not a store fails within --timeout', async () => {
    const port = nextPort++;
    const silent = createServer((socket) => socket.on('data', () => {}));
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const { seconds, message } = await timeJoin(1, port, 2);
    expect(message).toMatch(
      /^rank 1 could not meet the other 1 worker\(s\) at 127\.0\.0\.1:\d+ within 2 s \(no torch\.distributed store answered there in time/,
    );
    expect(seconds).toBeLessThan(2 + 1.5);
  });

  it('a rank 0 whose workers never come, and a worker with nothing at the address, fail within --timeout', async () => {
    const alone = await timeJoin(0, nextPort++, 2);
    expect(alone.message).toMatch(/^rank 0 could not meet the other 1 worker\(s\) .* within 2 s/);
    expect(alone.seconds).toBeLessThan(2 + 1.5);
    const nobody = await timeJoin(1, nextPort++, 2);
    expect(nobody.message).toMatch(/^rank 1 could not meet the other 1 worker\(s\) .* within 2 s/);
    expect(nobody.seconds).toBeLessThan(2 + 1.5);
  });
});
