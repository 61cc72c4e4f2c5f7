"use strict";
(() => {
  // node_modules/comlink/dist/esm/comlink.mjs
  var proxyMarker = /* @__PURE__ */ Symbol("Comlink.proxy");
  var createEndpoint = /* @__PURE__ */ Symbol("Comlink.endpoint");
  var releaseProxy = /* @__PURE__ */ Symbol("Comlink.releaseProxy");
  var finalizer = /* @__PURE__ */ Symbol("Comlink.finalizer");
  var throwMarker = /* @__PURE__ */ Symbol("Comlink.thrown");
  var isObject = (val) => typeof val === "object" && val !== null || typeof val === "function";
  var proxyTransferHandler = {
    canHandle: (val) => isObject(val) && val[proxyMarker],
    serialize(obj) {
      const { port1, port2 } = new MessageChannel();
      expose(obj, port1);
      return [port2, [port2]];
    },
    deserialize(port) {
      port.start();
      return wrap(port);
    }
  };
  var throwTransferHandler = {
    canHandle: (value) => isObject(value) && throwMarker in value,
    serialize({ value }) {
      let serialized;
      if (value instanceof Error) {
        serialized = {
          isError: true,
          value: {
            message: value.message,
            name: value.name,
            stack: value.stack
          }
        };
      } else {
        serialized = { isError: false, value };
      }
      return [serialized, []];
    },
    deserialize(serialized) {
      if (serialized.isError) {
        throw Object.assign(new Error(serialized.value.message), serialized.value);
      }
      throw serialized.value;
    }
  };
  var transferHandlers = /* @__PURE__ */ new Map([
    ["proxy", proxyTransferHandler],
    ["throw", throwTransferHandler]
  ]);
  function isAllowedOrigin(allowedOrigins, origin) {
    for (const allowedOrigin of allowedOrigins) {
      if (origin === allowedOrigin || allowedOrigin === "*") {
        return true;
      }
      if (allowedOrigin instanceof RegExp && allowedOrigin.test(origin)) {
        return true;
      }
    }
    return false;
  }
  function expose(obj, ep = globalThis, allowedOrigins = ["*"]) {
    ep.addEventListener("message", function callback(ev) {
      if (!ev || !ev.data) {
        return;
      }
      if (!isAllowedOrigin(allowedOrigins, ev.origin)) {
        console.warn(`Invalid origin '${ev.origin}' for comlink proxy`);
        return;
      }
      const { id, type, path } = Object.assign({ path: [] }, ev.data);
      const argumentList = (ev.data.argumentList || []).map(fromWireValue);
      let returnValue;
      try {
        const parent = path.slice(0, -1).reduce((obj2, prop) => obj2[prop], obj);
        const rawValue = path.reduce((obj2, prop) => obj2[prop], obj);
        switch (type) {
          case "GET":
            {
              returnValue = rawValue;
            }
            break;
          case "SET":
            {
              parent[path.slice(-1)[0]] = fromWireValue(ev.data.value);
              returnValue = true;
            }
            break;
          case "APPLY":
            {
              returnValue = rawValue.apply(parent, argumentList);
            }
            break;
          case "CONSTRUCT":
            {
              const value = new rawValue(...argumentList);
              returnValue = proxy(value);
            }
            break;
          case "ENDPOINT":
            {
              const { port1, port2 } = new MessageChannel();
              expose(obj, port2);
              returnValue = transfer(port1, [port1]);
            }
            break;
          case "RELEASE":
            {
              returnValue = void 0;
            }
            break;
          default:
            return;
        }
      } catch (value) {
        returnValue = { value, [throwMarker]: 0 };
      }
      Promise.resolve(returnValue).catch((value) => {
        return { value, [throwMarker]: 0 };
      }).then((returnValue2) => {
        const [wireValue, transferables] = toWireValue(returnValue2);
        ep.postMessage(Object.assign(Object.assign({}, wireValue), { id }), transferables);
        if (type === "RELEASE") {
          ep.removeEventListener("message", callback);
          closeEndPoint(ep);
          if (finalizer in obj && typeof obj[finalizer] === "function") {
            obj[finalizer]();
          }
        }
      }).catch((error) => {
        const [wireValue, transferables] = toWireValue({
          value: new TypeError("Unserializable return value"),
          [throwMarker]: 0
        });
        ep.postMessage(Object.assign(Object.assign({}, wireValue), { id }), transferables);
      });
    });
    if (ep.start) {
      ep.start();
    }
  }
  function isMessagePort(endpoint) {
    return endpoint.constructor.name === "MessagePort";
  }
  function closeEndPoint(endpoint) {
    if (isMessagePort(endpoint))
      endpoint.close();
  }
  function wrap(ep, target) {
    const pendingListeners = /* @__PURE__ */ new Map();
    ep.addEventListener("message", function handleMessage(ev) {
      const { data } = ev;
      if (!data || !data.id) {
        return;
      }
      const resolver = pendingListeners.get(data.id);
      if (!resolver) {
        return;
      }
      try {
        resolver(data);
      } finally {
        pendingListeners.delete(data.id);
      }
    });
    return createProxy(ep, pendingListeners, [], target);
  }
  function throwIfProxyReleased(isReleased) {
    if (isReleased) {
      throw new Error("Proxy has been released and is not useable");
    }
  }
  function releaseEndpoint(ep) {
    return requestResponseMessage(ep, /* @__PURE__ */ new Map(), {
      type: "RELEASE"
    }).then(() => {
      closeEndPoint(ep);
    });
  }
  var proxyCounter = /* @__PURE__ */ new WeakMap();
  var proxyFinalizers = "FinalizationRegistry" in globalThis && new FinalizationRegistry((ep) => {
    const newCount = (proxyCounter.get(ep) || 0) - 1;
    proxyCounter.set(ep, newCount);
    if (newCount === 0) {
      releaseEndpoint(ep);
    }
  });
  function registerProxy(proxy2, ep) {
    const newCount = (proxyCounter.get(ep) || 0) + 1;
    proxyCounter.set(ep, newCount);
    if (proxyFinalizers) {
      proxyFinalizers.register(proxy2, ep, proxy2);
    }
  }
  function unregisterProxy(proxy2) {
    if (proxyFinalizers) {
      proxyFinalizers.unregister(proxy2);
    }
  }
  function createProxy(ep, pendingListeners, path = [], target = function() {
  }) {
    let isProxyReleased = false;
    const proxy2 = new Proxy(target, {
      get(_target, prop) {
        throwIfProxyReleased(isProxyReleased);
        if (prop === releaseProxy) {
          return () => {
            unregisterProxy(proxy2);
            releaseEndpoint(ep);
            pendingListeners.clear();
            isProxyReleased = true;
          };
        }
        if (prop === "then") {
          if (path.length === 0) {
            return { then: () => proxy2 };
          }
          const r = requestResponseMessage(ep, pendingListeners, {
            type: "GET",
            path: path.map((p) => p.toString())
          }).then(fromWireValue);
          return r.then.bind(r);
        }
        return createProxy(ep, pendingListeners, [...path, prop]);
      },
      set(_target, prop, rawValue) {
        throwIfProxyReleased(isProxyReleased);
        const [value, transferables] = toWireValue(rawValue);
        return requestResponseMessage(ep, pendingListeners, {
          type: "SET",
          path: [...path, prop].map((p) => p.toString()),
          value
        }, transferables).then(fromWireValue);
      },
      apply(_target, _thisArg, rawArgumentList) {
        throwIfProxyReleased(isProxyReleased);
        const last = path[path.length - 1];
        if (last === createEndpoint) {
          return requestResponseMessage(ep, pendingListeners, {
            type: "ENDPOINT"
          }).then(fromWireValue);
        }
        if (last === "bind") {
          return createProxy(ep, pendingListeners, path.slice(0, -1));
        }
        const [argumentList, transferables] = processArguments(rawArgumentList);
        return requestResponseMessage(ep, pendingListeners, {
          type: "APPLY",
          path: path.map((p) => p.toString()),
          argumentList
        }, transferables).then(fromWireValue);
      },
      construct(_target, rawArgumentList) {
        throwIfProxyReleased(isProxyReleased);
        const [argumentList, transferables] = processArguments(rawArgumentList);
        return requestResponseMessage(ep, pendingListeners, {
          type: "CONSTRUCT",
          path: path.map((p) => p.toString()),
          argumentList
        }, transferables).then(fromWireValue);
      }
    });
    registerProxy(proxy2, ep);
    return proxy2;
  }
  function myFlat(arr) {
    return Array.prototype.concat.apply([], arr);
  }
  function processArguments(argumentList) {
    const processed = argumentList.map(toWireValue);
    return [processed.map((v) => v[0]), myFlat(processed.map((v) => v[1]))];
  }
  var transferCache = /* @__PURE__ */ new WeakMap();
  function transfer(obj, transfers) {
    transferCache.set(obj, transfers);
    return obj;
  }
  function proxy(obj) {
    return Object.assign(obj, { [proxyMarker]: true });
  }
  function toWireValue(value) {
    for (const [name, handler] of transferHandlers) {
      if (handler.canHandle(value)) {
        const [serializedValue, transferables] = handler.serialize(value);
        return [
          {
            type: "HANDLER",
            name,
            value: serializedValue
          },
          transferables
        ];
      }
    }
    return [
      {
        type: "RAW",
        value
      },
      transferCache.get(value) || []
    ];
  }
  function fromWireValue(value) {
    switch (value.type) {
      case "HANDLER":
        return transferHandlers.get(value.name).deserialize(value.value);
      case "RAW":
        return value.value;
    }
  }
  function requestResponseMessage(ep, pendingListeners, msg, transfers) {
    return new Promise((resolve) => {
      const id = generateUUID();
      pendingListeners.set(id, resolve);
      if (ep.start) {
        ep.start();
      }
      ep.postMessage(Object.assign({ id }, msg), transfers);
    });
  }
  function generateUUID() {
    return new Array(4).fill(0).map(() => Math.floor(Math.random() * Number.MAX_SAFE_INTEGER).toString(16)).join("-");
  }

  // src/core/shared/errors.ts
  var PROTOCOL_ERRORS = {
    ERR_STRUCT_MISSING_FIELD: { stage: "structural", category: "structural", message: "A required field is missing." },
    ERR_STRUCT_INVALID_TYPE: {
      stage: "structural",
      category: "structural",
      message: "A field has the wrong type, or the structure is not supported."
    },
    ERR_STRUCT_INVALID_ENCODING: { stage: "structural", category: "structural", message: "The input is not validly or canonically encoded." },
    ERR_STRUCT_INVALID_IDENTIFIER: {
      stage: "structural",
      category: "structural",
      message: "An identifier is malformed or breaks namespace rules."
    },
    ERR_CRYPTO_INVALID_SIGNATURE: {
      stage: "cryptographic",
      category: "auth",
      message: "The signature does not verify over the signed bytes."
    },
    // Wire profile v2 (ADR 0013): full content whose digest is not the one its signed link names.
    ERR_CRYPTO_DIGEST_MISMATCH: {
      stage: "cryptographic",
      category: "auth",
      message: "The content does not match the digest its signed link names."
    },
    ERR_CRYPTO_MISSING_AUTHOR: { stage: "cryptographic", category: "auth", message: "No author or sender identity is named." },
    ERR_CRYPTO_KEY_NOT_BOUND: { stage: "cryptographic", category: "auth", message: "The signing key is not bound to the declared identity." },
    ERR_CRYPTO_AUTHOR_MISMATCH: { stage: "cryptographic", category: "auth", message: "The signing identity is not the declared author." },
    ERR_CRYPTO_KEY_REVOKED: { stage: "cryptographic", category: "auth", message: "The signing key is revoked." },
    ERR_SCHEMA_TYPE_NOT_ALLOWED: { stage: "schema", category: "schema", message: "The type is not allowed in this app or domain." },
    ERR_SCHEMA_INVALID_VALUE: { stage: "schema", category: "schema", message: "A value breaks the schema's constraints." },
    ERR_SCHEMA_EDGE_NOT_ALLOWED: { stage: "schema", category: "schema", message: "The schema does not allow this relation." },
    ERR_SCHEMA_IMMUTABLE_OBJECT: { stage: "schema", category: "schema", message: "The object is immutable." },
    ERR_SCHEMA_APPEND_ONLY_VIOLATION: { stage: "schema", category: "schema", message: "The domain is append-only." },
    ERR_AUTH_NOT_OWNER: {
      stage: "authorization",
      category: "acl",
      message: "Only the owner, or a holder of a grant, may write this object."
    },
    ERR_AUTH_ACL_DENIED: { stage: "authorization", category: "acl", message: "Access is denied." },
    // DESIGN §4 rule 5 (ADR 0014): a revocation whose cut would withdraw its own causal past.
    ERR_AUTH_REVOCATION_CUT_INVALID: {
      stage: "authorization",
      category: "acl",
      message: "The revocation's cut reaches the revocation itself or its own causal past."
    },
    ERR_AUTH_SCOPE_EXCEEDED: { stage: "authorization", category: "acl", message: "The key or capability is used beyond its grant." },
    ERR_AUTH_VISIBILITY_DENIED: { stage: "authorization", category: "acl", message: "The required context is not visible to the caller." },
    ERR_SYNC_RANGE_MISMATCH: { stage: "sync", category: "network", message: "The declared range does not match the package content." },
    ERR_SYNC_SEQUENCE_INVALID: {
      stage: "sync",
      category: "network",
      message: "The sequence regresses, overlaps or replays accepted history."
    },
    ERR_SYNC_REWRITE_ATTEMPT: { stage: "sync", category: "network", message: "The package tries to rewrite accepted history." },
    ERR_SYNC_MISSING_DEPENDENCY: { stage: "sync", category: "network", message: "A required object or earlier range is missing." },
    ERR_SYNC_DOMAIN_VIOLATION: { stage: "sync", category: "network", message: "The package crosses a disallowed domain boundary." },
    ERR_RESOURCE_RATE_LIMIT: { stage: "resource", category: "dos", message: "A rate limit was exceeded." },
    ERR_RESOURCE_PEER_LIMIT: { stage: "resource", category: "dos", message: "A per-peer limit was exceeded." },
    ERR_RESOURCE_PUZZLE_FAILED: { stage: "resource", category: "dos", message: "The client puzzle is missing, invalid or stale." }
  };
  var INTERFACE_ERRORS = {
    envelope_invalid: { category: "structural", message: "The envelope is invalid." },
    object_invalid: { category: "structural", message: "The object is invalid." },
    identifier_invalid: { category: "structural", message: "The identifier is invalid." },
    schema_unknown_type: { category: "schema", message: "The type is unknown." },
    schema_validation_failed: { category: "schema", message: "Schema validation failed." },
    acl_denied: { category: "acl", message: "Access is denied." },
    storage_error: { category: "storage", message: "Storage failed." },
    sequence_error: { category: "storage", message: "The sequence is out of order or replayed." },
    config_invalid: { category: "config", message: "The configuration is invalid." },
    auth_required: { category: "auth", message: "Authentication is required." },
    auth_invalid: { category: "auth", message: "The credentials are invalid." },
    network_rejected: { category: "network", message: "The peer input was rejected." },
    dos_challenge_required: { category: "dos", message: "A client puzzle must be solved first." },
    app_not_found: { category: "state", message: "The app does not exist." },
    internal_error: { category: "internal", message: "An internal error occurred." },
    ERR_AUTH_SIGNATURE_INVALID: { category: "auth", message: "The request signature is invalid." },
    ERR_AUTH_REPLAY: { category: "auth", message: "The request was replayed." },
    ERR_AUTH_TOKEN_EXPIRED: { category: "auth", message: "The token has expired." },
    ERR_AUTH_TOKEN_REVOKED: { category: "auth", message: "The token was revoked." },
    ERR_CAPABILITY_REVOKED: { category: "acl", message: "The capability was revoked." },
    ERR_DEVICE_REVOKED: { category: "auth", message: "The device was revoked." },
    ERR_OBJECT_VERSION: { category: "state", message: "The object changed since it was read." },
    ERR_CONFIG_STALE: { category: "config", message: "The configuration changed since it was read." },
    ERR_SVC_APP_DISABLED: { category: "state", message: "The app is disabled." },
    // The person closed the shell's pick-a-contact dialog without choosing (DESIGN D9 consent).
    ERR_SVC_PICK_CANCELLED: { category: "state", message: "No contact was chosen." },
    // 04-interfaces/06-app-lifecycle register errors: checked before any app id or schema write.
    ERR_SVC_SYS_APP_SIGNATURE_INVALID: { category: "auth", message: "The app package signature is invalid." },
    ERR_SVC_SYS_APP_PUBLISHER_UNTRUSTED: { category: "auth", message: "The app publisher is not trusted on this node." }
  };
  var MANAGER_CODES = {
    CONFIG: ["config", ["SCHEMA_INVALID", "UPDATE_QUEUE_FULL", "PERSISTENCE_FAILED"]],
    STORAGE: ["storage", ["UNAVAILABLE", "MIGRATION_FAILED", "TX_ABORTED", "BUDGET_EXCEEDED"]],
    KEY: ["auth", ["NODE_KEY_MISSING", "SCOPE_KEY_MISSING", "BINDING_MISMATCH"]],
    AUTH: ["auth", ["TOKEN_STORE_UNAVAILABLE", "ADMIN_GATE_DENIED", "CONTEXT_INCOMPLETE"]],
    SCHEMA: ["schema", ["TYPE_UNKNOWN", "VALIDATION_FAILED", "REGISTRY_UNAVAILABLE"]],
    ACL: ["acl", ["IDENTITY_MISSING", "POLICY_DENIED", "EVALUATION_UNAVAILABLE"]],
    GRAPH: ["structural", ["OPERATION_INVALID", "SEQUENCE_CONFLICT", "READ_BOUNDS_EXCEEDED", "PENDING_FULL"]],
    APP: ["state", ["SLUG_UNKNOWN", "REGISTRY_INCONSISTENT", "LOAD_REJECTED"]],
    STATE: ["storage", ["SEQUENCE_INVALID", "SYNC_CURSOR_CONFLICT", "OUTBOUND_ACL_UNAVAILABLE"]],
    NETWORK: ["network", ["ADMISSION_CLOSED", "CHALLENGE_TIMEOUT", "PEER_UNREACHABLE"]],
    EVENT: ["network", ["SUBSCRIPTION_REJECTED", "BUFFER_OVERFLOW", "RESUME_TOKEN_INVALID"]],
    LOG: ["internal", ["RECORD_INVALID", "MANDATORY_SINK_UNAVAILABLE", "BACKPRESSURE_ACTIVE"]],
    HEALTH: ["internal", ["SIGNAL_INVALID", "DEPENDENCY_DEGRADED", "SNAPSHOT_UNAVAILABLE"]],
    DOS: ["dos", ["ADMISSION_DENIED", "CHALLENGE_REQUIRED", "PUZZLE_VERIFICATION_FAILED"]]
  };
  var MANAGER_CATEGORY_OVERRIDES = {
    ERR_MNG_GRAPH_PENDING_FULL: "dos",
    ERR_MNG_GRAPH_SEQUENCE_CONFLICT: "storage"
  };
  var MANAGER_ERRORS = new Map(
    Object.entries(MANAGER_CODES).flatMap(
      ([manager, [category, names]]) => names.map((n) => [`ERR_MNG_${manager}_${n}`, MANAGER_CATEGORY_OVERRIDES[`ERR_MNG_${manager}_${n}`] ?? category])
    )
  );
  function isProtocolErrorCode(code) {
    return Object.hasOwn(PROTOCOL_ERRORS, code);
  }
  function isManagerErrorCode(code) {
    return MANAGER_ERRORS.has(code);
  }
  function entryFor(code) {
    if (isProtocolErrorCode(code)) return PROTOCOL_ERRORS[code];
    if (isManagerErrorCode(code))
      return { category: MANAGER_ERRORS.get(code), message: `The ${code.split("_")[2].toLowerCase()} manager refused the request.` };
    return INTERFACE_ERRORS[code];
  }
  function nodeError(code, message, data = {}) {
    const entry = entryFor(code);
    return { code, category: entry.category, message: message ?? entry.message, data };
  }

  // src/core/shared/result.ts
  function err(error) {
    return { ok: false, error };
  }

  // src/rpc/frame-messages.ts
  var PICK_CONTACT_REQUEST = "twoway.pick-contact";
  var PICK_CONTACT_RESULT = "twoway.pick-contact.result";
  function parsePickResult(data, requestId) {
    if (typeof data !== "object" || data === null) return void 0;
    const message = data;
    if (message.type !== PICK_CONTACT_RESULT || message.requestId !== requestId) return void 0;
    const result = message.result;
    return typeof result === "object" && result !== null && typeof result.ok === "boolean" ? message.result : void 0;
  }

  // src/apps/sdk/index.ts
  var APP_PORT_MESSAGE = "twoway.app-port";
  var pickCount = 0;
  function askShellForContact(frame) {
    pickCount += 1;
    const requestId = `pick-${pickCount}-${Math.random().toString(36).slice(2, 10)}`;
    return new Promise((resolve) => {
      const onMessage = (event) => {
        if (event.source !== frame.parent) return;
        const result = parsePickResult(event.data, requestId);
        if (result === void 0) return;
        frame.removeEventListener("message", onMessage);
        resolve(result);
      };
      frame.addEventListener("message", onMessage);
      frame.parent.postMessage({ type: PICK_CONTACT_REQUEST, requestId }, "*");
    });
  }
  function connectApp(port, frame = globalThis.window) {
    const remote = wrap(port);
    return {
      pickContact: () => frame === void 0 || frame.parent === frame ? Promise.resolve(err(nodeError("ERR_SVC_PICK_CANCELLED", "No shell hosts this app.", { reason: "no_shell" }))) : askShellForContact(frame),
      whoAmI: () => remote.whoAmI(),
      submit: (request) => remote.submit(request),
      read: (query) => remote.read(query),
      subscribe: (onEvent, filter) => filter === void 0 ? remote.subscribe(proxy(onEvent)) : remote.subscribe(proxy(onEvent), filter),
      unsubscribe: (subscriptionId) => remote.unsubscribe({ subscriptionId }),
      close() {
        remote[releaseProxy]();
        port.close();
      }
    };
  }
  function receivePort(frame = window) {
    return new Promise((resolve) => {
      const onMessage = (event) => {
        const data = event.data;
        if (event.source !== frame.parent || data?.type !== APP_PORT_MESSAGE || event.ports.length !== 1) return;
        frame.removeEventListener("message", onMessage);
        resolve(event.ports[0]);
      };
      frame.addEventListener("message", onMessage);
    });
  }
  async function openApp() {
    return connectApp(await receivePort());
  }

  // examples/notes/src/app.ts
  function byId(id) {
    return document.getElementById(id);
  }
  async function refresh(app) {
    const read = await app.read({ target: "parent", type_key: "notes.note", limit: 100 });
    const list = byId("notes");
    if (!read.ok) return show(read.error.code);
    list.replaceChildren(
      ...read.value.rows.map((row) => {
        const item = document.createElement("li");
        item.textContent = row.value.title ?? "";
        return item;
      })
    );
    list.dataset["count"] = String(read.value.rows.length);
  }
  function show(code) {
    byId("status").textContent = code;
  }
  async function main() {
    const app = await openApp();
    const me = await app.whoAmI();
    if (!me.ok) return show(me.error.code);
    byId("who").textContent = `${me.value.app} ${me.value.version}`;
    byId("who").dataset["ready"] = "true";
    const subscribed = await app.subscribe((event) => event.event === "close" ? void 0 : refresh(app));
    if (!subscribed.ok) show(`subscribe: ${subscribed.error.code} ${subscribed.error.message}`);
    else byId("who").dataset["live"] = "true";
    byId("about").addEventListener("click", () => {
      void app.pickContact().then((picked) => {
        if (!picked.ok) return show(picked.error.code);
        byId("title").value = `About ${picked.value.name}`;
        show("picked");
      });
    });
    byId("add").addEventListener("click", () => {
      const input = byId("title");
      const value = { title: input.value, created_at: (/* @__PURE__ */ new Date()).toISOString() };
      void app.submit({ domain: "notes", ops: [{ op: "parent_create", type_key: "notes.note", payload: { value } }] }).then((written) => {
        show(written.ok ? "saved" : written.error.code);
        if (written.ok) input.value = "";
      });
    });
    await refresh(app);
  }
  void main();
})();
/*! Bundled license information:

comlink/dist/esm/comlink.mjs:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: Apache-2.0
   *)
*/
