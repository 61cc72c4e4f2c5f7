// ACL manager: the only authorization engine (public design 06). Pure evaluation over facts the
// Graph loads from the system app; ownership checks; which revocations reach an envelope.
export { evaluateRead, evaluateWrite, type AclContext, type AclDecision } from "./evaluate.ts";
export { revocationReaching, type EnvelopeRef, type Reach } from "./revocations.ts";
export {
  ADMIN_CAPABILITY,
  EMPTY_FACTS,
  type AclFacts,
  type AclRootFact,
  type AclRuleFact,
  type AclTarget,
  type Cuts,
  type GrantFact,
  type MembershipFact,
  type RevocationFact,
  type Subject,
} from "./facts.ts";
