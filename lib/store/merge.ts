// One merge of sorted streams, earliest first: how a listing over the due index's partitions (its `due#n`
// shards, the hint partition) reads them as one. Each stream is read only one item ahead of what was taken,
// so a page costs what it shows, and whether a stream has more is known without another read.

export interface SortedMerge<T> {
  /** The earliest head of any stream, and which stream it came from; undefined once every stream is done. */
  next(): Promise<{ from: number; item: T } | undefined>;
  /** Whether stream `from` has nothing more. */
  done(from: number): boolean;
}

export async function mergeSorted<T>(streams: AsyncIterator<T>[], keyOf: (item: T) => number): Promise<SortedMerge<T>> {
  const heads = await Promise.all(streams.map((stream) => stream.next()));
  return {
    async next() {
      let best: number | undefined;
      heads.forEach((head, from) => {
        if (head.done) return;
        const leader = best === undefined ? undefined : heads[best]!;
        if (leader === undefined || keyOf(head.value) < keyOf(leader.value as T)) best = from;
      });
      if (best === undefined) return undefined;
      const item = heads[best]!.value as T;
      heads[best] = await streams[best]!.next();
      return { from: best, item };
    },
    done: (from) => heads[from]?.done === true,
  };
}
