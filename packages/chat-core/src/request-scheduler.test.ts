import { createRequestScheduler, OVERFLOW_FACTOR, type SchedulerFlow } from './request-scheduler';

const flush = async (rounds = 3) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

/** A job: `send`s overlap; `sync` jobs finish at once; others hold until released. */
interface Job {
  readonly name: string;
  readonly kind: 'send' | 'other' | 'sync' | 'throw';
}

function harness(flow: Partial<SchedulerFlow> = {}) {
  const started: string[] = [];
  const failed: string[] = [];
  const held = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();
  const scheduler = createRequestScheduler<Job>(
    {
      run(job) {
        started.push(job.name);
        if (job.kind === 'sync') return;
        if (job.kind === 'throw') throw new Error(job.name);
        return new Promise<void>((resolve, reject) => held.set(job.name, { resolve, reject }));
      },
      overlaps: (job) => job.kind === 'send',
      failed: (job) => failed.push(job.name),
    },
    { maxPending: 1000, pause: () => {}, resume: () => {}, overflow: () => {}, ...flow },
  );
  const release = async (...names: string[]) => {
    for (const n of names) held.get(n)!.resolve();
    await flush();
  };
  const reject = async (name: string) => {
    held.get(name)!.reject(new Error('no'));
    await flush();
  };
  const push = (name: string, kind: Job['kind'] = 'send') => scheduler.push({ name, kind });
  return { scheduler, started, failed, release, reject, push };
}

describe('order', () => {
  test('sends overlap each other; another request waits for the sends before it, and the requests after it wait too', async () => {
    const h = harness();
    h.push('s1');
    h.push('s2');
    h.push('join', 'other');
    h.push('s3');
    expect(h.started).toEqual(['s1', 's2']);
    expect(h.scheduler.pending).toBe(4);
    await h.release('s1');
    expect(h.started).toEqual(['s1', 's2']);
    await h.release('s2');
    expect(h.started).toEqual(['s1', 's2', 'join']);
    await h.release('join');
    expect(h.started).toEqual(['s1', 's2', 'join', 's3']);
    await h.release('s3');
    expect(h.scheduler.pending).toBe(0);
  });

  test('synchronous jobs run at once and hold nothing up; a throwing or rejecting job is reported and the queue goes on', async () => {
    const h = harness();
    h.push('ping', 'sync');
    h.push('bad', 'throw');
    h.push('join', 'other');
    h.push('ping2', 'sync');
    expect(h.started).toEqual(['ping', 'bad', 'join']);
    expect(h.failed).toEqual(['bad']);
    await h.reject('join');
    expect(h.failed).toEqual(['bad', 'join']);
    expect(h.started).toEqual(['ping', 'bad', 'join', 'ping2']);
    expect(h.scheduler.pending).toBe(0);
  });

  test('close drops the waiting jobs; jobs in flight still settle', async () => {
    const h = harness();
    h.push('join', 'other');
    h.push('s1');
    h.scheduler.close();
    h.push('s2');
    await h.release('join');
    expect(h.started).toEqual(['join']);
    expect(h.scheduler.pending).toBe(0);
  });

  test('a long queue behind a slow request is served whole and in order', async () => {
    const h = harness({ maxPending: 100_000 });
    h.push('join', 'other');
    for (let i = 0; i < 5000; i++) h.push(`p${i}`, 'sync');
    expect(h.scheduler.pending).toBe(5001);
    await h.release('join');
    expect(h.started).toEqual(['join', ...Array.from({ length: 5000 }, (_, i) => `p${i}`)]);
    expect(h.scheduler.pending).toBe(0);
  });
});

describe('backpressure', () => {
  test('reading pauses when pending reaches maxPending and resumes once it has drained to half', async () => {
    const calls: string[] = [];
    const h = harness({ maxPending: 4, pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    h.push('s1');
    h.push('s2');
    h.push('s3');
    expect(calls).toEqual([]);
    h.push('s4');
    expect(calls).toEqual(['pause']);
    // A transport may deliver a frame or two it had already read: queued, no second pause.
    h.push('s5');
    expect(calls).toEqual(['pause']);
    await h.release('s1', 's2');
    expect(h.scheduler.pending).toBe(3);
    expect(calls).toEqual(['pause']);
    await h.release('s3');
    expect(calls).toEqual(['pause', 'resume']);
    await h.release('s4', 's5');
    expect(calls).toEqual(['pause', 'resume']);
    for (let i = 0; i < 4; i++) h.push(`t${i}`);
    expect(calls).toEqual(['pause', 'resume', 'pause']);
  });

  test('where pausing does nothing (uWS) the queue grows to the hard bound, then overflow is called once', () => {
    let overflows = 0;
    const h = harness({ maxPending: 4, overflow: () => overflows++ });
    for (let i = 0; i < OVERFLOW_FACTOR * 4; i++) h.push(`s${i}`);
    expect(overflows).toBe(0);
    h.push('one-too-many');
    h.push('and-another');
    expect(overflows).toBe(1);
  });
});

describe('drain', () => {
  test('pauses reading for good and resolves once every admitted job has settled, in order', async () => {
    const pause = jest.fn();
    const resume = jest.fn();
    const h = harness({ maxPending: 4, pause, resume });
    h.push('s1');
    h.push('o1', 'other');
    h.push('p1', 'sync');
    let drained = false;
    const draining = h.scheduler.drain().then(() => (drained = true));
    expect(pause).toHaveBeenCalledTimes(1);
    await h.release('s1');
    expect(h.started).toEqual(['s1', 'o1']);
    expect(drained).toBe(false);
    await h.release('o1');
    await draining;
    expect(h.started).toEqual(['s1', 'o1', 'p1']);
    expect(h.scheduler.pending).toBe(0);
    // Below half of maxPending, but shutting down: reading stays paused.
    expect(resume).not.toHaveBeenCalled();
  });

  test('resolves at once when idle, and when the connection closes with jobs waiting', async () => {
    const h = harness();
    await h.scheduler.drain();
    h.push('o1', 'other');
    h.push('o2', 'other');
    const draining = h.scheduler.drain();
    h.scheduler.close();
    await h.release('o1');
    await draining;
    expect(h.started).toEqual(['o1']);
  });
});
