// The merge of sorted streams, pure (in-memory async generators, no sockets, no clock): the order it gives,
// what done() says, and that it reads each stream only one item ahead of what was taken.
import { describe, expect, it } from 'vitest';
import { mergeSorted } from '../../lib/store/merge';

interface Item {
  id: string;
  at: number;
}

/** An async stream over `items` that counts the next() calls it was asked for. */
function counted(items: Item[]) {
  const stats = { nexts: 0 };
  async function* generate(): AsyncGenerator<Item> {
    yield* items;
  }
  const inner = generate();
  const stream: AsyncIterator<Item> = {
    next: () => {
      stats.nexts++;
      return inner.next();
    },
  };
  return { stream, stats };
}

const items = (prefix: string, ...ats: number[]): Item[] => ats.map((at, i) => ({ id: `${prefix}${i + 1}`, at }));

/** Takes everything from the merge, in order. */
async function drain(merge: { next(): Promise<{ from: number; item: Item } | undefined> }) {
  const taken: Array<{ from: number; id: string; at: number }> = [];
  for (let next = await merge.next(); next !== undefined; next = await merge.next())
    taken.push({ from: next.from, ...next.item });
  return taken;
}

describe('mergeSorted', () => {
  it('gives the items of several sorted streams as one sequence, earliest first, saying where each came from', async () => {
    // Prepare
    const streams = [items('a', 1, 4, 9), items('b', 2, 3, 10, 11), items('c', 5)].map((s) => counted(s).stream);

    // Act
    const taken = await drain(await mergeSorted(streams, (item) => item.at));

    // Assess
    expect(taken.map((t) => t.id)).toEqual(['a1', 'b1', 'b2', 'a2', 'c1', 'a3', 'b3', 'b4']);
    expect(taken.map((t) => t.from)).toEqual([0, 1, 1, 0, 2, 0, 1, 1]);
  });

  it('keeps every item once and the keys in order when streams share keys', async () => {
    // Prepare
    const streams = [items('a', 1, 2, 2, 5), items('b', 2, 2, 3), items('c', 1, 5)].map((s) => counted(s).stream);

    // Act
    const taken = await drain(await mergeSorted(streams, (item) => item.at));

    // Assess: the order among equal keys is not promised, only the keys' order and that nothing is lost.
    expect(taken.map((t) => t.at)).toEqual([1, 1, 2, 2, 2, 2, 3, 5, 5]);
    expect(taken.map((t) => t.id).sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'c1', 'c2']);
  });

  it('orders by the key it is given, not by the order the items come in', async () => {
    // Prepare: the key is the negated time, so each stream is sorted latest first.
    const streams = [items('a', 9, 4, 1), items('b', 7, 3)].map((s) => counted(s).stream);

    // Act
    const taken = await drain(await mergeSorted(streams, (item) => -item.at));

    // Assess
    expect(taken.map((t) => t.at)).toEqual([9, 7, 4, 3, 1]);
  });

  it('says a stream is done as soon as its last item is taken, and at once for a stream empty from the start', async () => {
    // Prepare: stream 0 has two items, stream 1 none, stream 2 one.
    const streams = [items('a', 1, 3), [], items('c', 2)].map((s) => counted(s).stream);
    const merge = await mergeSorted(streams, (item) => item.at);
    const doneOf = () => [0, 1, 2].map((i) => merge.done(i));

    // Act + Assess
    expect(doneOf()).toEqual([false, true, false]);
    expect(await merge.next()).toEqual({ from: 0, item: { id: 'a1', at: 1 } });
    expect(doneOf()).toEqual([false, true, false]);
    expect(await merge.next()).toEqual({ from: 2, item: { id: 'c1', at: 2 } });
    expect(doneOf()).toEqual([false, true, true]);
    expect(await merge.next()).toEqual({ from: 0, item: { id: 'a2', at: 3 } });
    expect(doneOf()).toEqual([true, true, true]);
    expect(await merge.next()).toBeUndefined();
    expect(doneOf()).toEqual([true, true, true]);
  });

  it('gives nothing when every stream is empty, or when there are no streams', async () => {
    // Prepare
    const empty = [[], []].map((s) => counted(s).stream);

    // Act
    const merge = await mergeSorted(empty, (item) => item.at);
    const none = await mergeSorted<Item>([], (item) => item.at);

    // Assess
    expect(await merge.next()).toBeUndefined();
    expect([merge.done(0), merge.done(1)]).toEqual([true, true]);
    expect(await none.next()).toBeUndefined();
  });

  it('reads each stream exactly one item ahead of what was taken from it, never more', async () => {
    // Prepare: three streams of different lengths, each counting its reads.
    const sources = [items('a', 1, 2, 3, 8, 9), items('b', 4, 5), items('c', 6, 7, 10)].map(counted);
    const taken = [0, 0, 0];

    // Act
    const merge = await mergeSorted(
      sources.map((s) => s.stream),
      (item) => item.at,
    );
    const steps = [{ taken: [...taken], reads: sources.map((s) => s.stats.nexts) }];
    for (let next = await merge.next(); next !== undefined; next = await merge.next()) {
      taken[next.from]!++;
      steps.push({ taken: [...taken], reads: sources.map((s) => s.stats.nexts) });
    }

    // Assess: one read each to start, then one more per item taken (the read that found the end is the last).
    expect(steps[0]!.reads).toEqual([1, 1, 1]);
    for (const step of steps) expect(step.reads).toEqual(step.taken.map((n) => n + 1));
    expect(steps).toHaveLength(11);
    expect(taken).toEqual([5, 2, 3]);
    expect(sources.map((s) => s.stats.nexts)).toEqual([6, 3, 4]);
  });
});
