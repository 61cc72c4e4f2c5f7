// A session of one identity in one app (public design 04, DESIGN §1): a token the Auth manager
// minted, checked again on every call. Writes need the app enabled and pass the write gate; reads and
// events carry only what the identity may read. The composition root (node.ts) hands in the ports.
import type { AuthManager } from "./auth/index.ts";
import type { EventFilter, EventManager, EventSink } from "./event/index.ts";
import { checkReadRequest, readGraph, type Author, type ReadFilter } from "./graph/index.ts";
import type { Session, WriteResult } from "./node-api.ts";
import type { IdentityId } from "./shared/ids.ts";
import { ok, type Result } from "./shared/result.ts";
import type { NodeStorage } from "./storage/index.ts";
import type { Op } from "./wire/index.ts";

export type AppSessionPorts = {
  readonly auth: Pick<AuthManager, "openSession" | "authenticate" | "check" | "revoke">;
  readonly events: Pick<EventManager, "subscribe">;
  readonly storage: NodeStorage;
  /** ok while the app is installed and enabled; ERR_SVC_APP_DISABLED otherwise. */
  appEnabled(app: string): Promise<Result<void>>;
  authorFor(identityId: IdentityId, keyId: string | undefined): Promise<Result<Author>>;
  /** ADR 0018's write gate for the identity's next write. */
  writeGate(identityId: IdentityId): Promise<Result<void>>;
  submit(
    author: Author,
    request: {
      readonly app: string;
      readonly domain: string;
      readonly ops: readonly Omit<Op, "owner_identity">[];
      readonly traceId?: string;
    },
  ): Promise<Result<WriteResult>>;
  maxReadLimit(): number;
  /** What `identityId` may read now (the ACL facts of this moment, held-aside rows left out). */
  readFilter(identityId: IdentityId): Promise<ReadFilter>;
};

export async function openAppSession(
  ports: AppSessionPorts,
  { identityId, app, keyId }: { readonly identityId: IdentityId; readonly app: string; readonly keyId?: string },
): Promise<Result<Session>> {
  const { auth } = ports;
  const enabled = await ports.appEnabled(app);
  if (!enabled.ok) return enabled;
  const author = await ports.authorFor(identityId, keyId);
  if (!author.ok) return author;
  const grant = auth.openSession({ identityId, app, ...(keyId === undefined ? {} : { keyId }) });
  if (!grant.ok) return grant;
  const token = grant.value.token;
  return ok(
    Object.freeze({
      identityId,
      app,
      async submit(request: Parameters<Session["submit"]>[0]) {
        const authenticated = auth.authenticate(token, { app });
        if (!authenticated.ok) return authenticated;
        const current = await ports.appEnabled(app);
        if (!current.ok) return current;
        const gate = await ports.writeGate(identityId);
        if (!gate.ok) return gate;
        return ports.submit(author.value, {
          app,
          domain: request.domain,
          ops: request.ops,
          ...(request.traceId === undefined ? {} : { traceId: request.traceId }),
        });
      },
      async read(request: unknown) {
        const authenticated = auth.authenticate(token, { app });
        if (!authenticated.ok) return authenticated;
        const checked = checkReadRequest(request, ports.maxReadLimit(), ports.storage.globalSeq);
        if (!checked.ok) return checked;
        return ok(await readGraph(ports.storage, app, checked.value, await ports.readFilter(identityId)));
      },
      subscribe(filter: Omit<EventFilter, "app"> = {}, sink?: EventSink) {
        const authenticated = auth.authenticate(token, { app });
        if (!authenticated.ok) return authenticated;
        return ports.events.subscribe(authenticated.value, { ...filter, app }, sink, { session: () => auth.check(token, app) });
      },
      close() {
        auth.revoke(token);
      },
    }),
  );
}
