export { KeeperIdentity, type BlsKey, type PublicIdentity } from "./identity.js";
export { IdentityError, KEY_FILES, type IdentityErrorCode } from "./keyfiles.js";
