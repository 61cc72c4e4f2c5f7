// ACL manager: the only authorization engine (public design 06). Ownership now; ACL objects,
// capabilities and groups arrive with the permissions issue behind the same GrantCheck port.
export { checkOwnership, NO_GRANTS, type GrantCheck, type OwnershipCheck } from "./ownership.ts";
