export { Bucket, numericKey, type BucketOp, type RangeOptions } from "./bucket.js";
export { KeeperStore, StoreOpenError, type StoreModules, type StoredBan, type StoredPeer } from "./store.js";
export { WriteAheadLog } from "./wal.js";
