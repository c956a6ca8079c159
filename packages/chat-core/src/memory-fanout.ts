import type { Connection } from './ports/connection';
import type { Fanout } from './ports/fanout';

/** The default fan-out: a set of connections per topic, one loop per publish. */
export function createMemoryFanout(): Fanout {
  const topics = new Map<string, Set<Connection>>();
  return {
    subscribe(connection, topic) {
      let set = topics.get(topic);
      if (!set) topics.set(topic, (set = new Set()));
      set.add(connection);
    },
    unsubscribe(connection, topic) {
      const set = topics.get(topic);
      if (set?.delete(connection) && set.size === 0) topics.delete(topic);
    },
    publish(topic, frame) {
      const set = topics.get(topic);
      if (set) for (const c of set) c.send(frame);
    },
  };
}
