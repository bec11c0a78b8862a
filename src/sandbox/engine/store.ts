/**
 * Where the resource engine keeps what it manages: collections of records and singletons, each under
 * its concrete path (`/organizations/org_1/invitations`), so a resource's sub-resources sit under its
 * own path and go with it when it is deleted. Plain maps, so the whole store serialises to JSON.
 */

/** A JSON object. */
export type Json = Record<string, unknown>;

/** The engine's data. */
export class ResourceStore {
  /** Records by concrete collection path, then by id, in creation order. */
  readonly collections = new Map<string, Map<string, Json>>();
  /** Singleton documents (settings and the like) by concrete path. */
  readonly singletons = new Map<string, unknown>();

  /** The collection at `path`, created empty when `create` is set. */
  collection(path: string, create: true): Map<string, Json>;
  collection(path: string, create?: boolean): Map<string, Json> | undefined;
  collection(path: string, create = false): Map<string, Json> | undefined {
    let found = this.collections.get(path);
    if (!found && create) {
      found = new Map();
      this.collections.set(path, found);
    }
    return found;
  }

  /** Drops everything stored under `prefix` (a resource's own path): its sub-collections and settings. */
  dropUnder(prefix: string): void {
    const under = `${prefix}/`;
    for (const key of [...this.collections.keys()]) if (key.startsWith(under)) this.collections.delete(key);
    for (const key of [...this.singletons.keys()]) if (key.startsWith(under)) this.singletons.delete(key);
  }

  /** Removes the record `id` from every collection whose path ends with `suffix` (e.g. `/members`). */
  dropMember(suffix: string, id: string): void {
    for (const [key, records] of this.collections) if (key.endsWith(suffix)) records.delete(id);
  }

  /** The store as plain JSON. */
  toJSON(): Json {
    return {
      collections: Object.fromEntries(
        [...this.collections].map(([path, records]) => [path, [...records.entries()]]),
      ),
      singletons: Object.fromEntries(this.singletons),
    };
  }

  /** Loads what {@link toJSON} wrote; unknown or malformed parts are skipped. */
  static fromJSON(raw: unknown): ResourceStore {
    const store = new ResourceStore();
    const data = (raw ?? {}) as { collections?: unknown; singletons?: unknown };
    if (data.collections && typeof data.collections === 'object') {
      for (const [path, entries] of Object.entries(data.collections as Record<string, unknown>)) {
        if (!Array.isArray(entries)) continue;
        const records = new Map<string, Json>();
        for (const entry of entries) {
          if (
            Array.isArray(entry) &&
            typeof entry[0] === 'string' &&
            entry[1] &&
            typeof entry[1] === 'object'
          )
            records.set(entry[0], entry[1] as Json);
        }
        store.collections.set(path, records);
      }
    }
    if (data.singletons && typeof data.singletons === 'object') {
      for (const [path, value] of Object.entries(data.singletons as Record<string, unknown>))
        store.singletons.set(path, value);
    }
    return store;
  }
}
