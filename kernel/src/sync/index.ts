/** Shared memory and synchronisation primitives (README, Magics: shared memory), usable in the kernel and in workers. */
export { shared } from "./arrays";
export { Mutex } from "./mutex";
export { Semaphore } from "./semaphore";
export { Barrier } from "./barrier";
export { SharedQueue } from "./queue";
export { reviveShared, findSharedMemory } from "./revive";
export { SHARED_TAG } from "./tag";
