// The Event manager's only entry point (architecture 11, interfaces 14): post-commit graph events
// per session, filtered by read permission, in global_seq order, through bounded queues.
export {
  createEventManager,
  DEFAULT_MAX_SUBSCRIPTIONS,
  DEFAULT_QUEUE_CAPACITY,
  MAX_FILTER_OBJECT_IDS,
  MAX_FILTER_TYPES,
  type EventFilter,
  type EventManager,
  type EventManagerOptions,
  type SecurityNotice,
  type SubscribeOptions,
} from "./event-manager.ts";
export {
  checkCommitNotice,
  GRAPH_OBJECT_MUTATED,
  MAX_EVENT_PAYLOAD_BYTES,
  MAX_NOTICE_OBJECTS,
  type CloseEvent,
  type CloseNotice,
  type CloseReason,
  type CommitNotice,
  type CommitObject,
  type EventObject,
  type GraphEvent,
  type GraphEventPayload,
} from "./graph-event.ts";
export { createCommitNotices, type CommitNoticePorts, type CommitNotices, type CommitObjectReads } from "./commit-notices.ts";
export type { CanRead, EventSink, Subscription } from "./subscription.ts";
