"use strict";
(() => {
  // ../main/node_modules/comlink/dist/esm/comlink.mjs
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
      pickContact: () => frame === void 0 || frame.parent === frame ? (
        // Spelled out rather than built from the error registry, which would ride along in every app's bundle.
        Promise.resolve({
          ok: false,
          error: { code: "ERR_SVC_PICK_CANCELLED", category: "state", message: "No shell hosts this app.", data: { reason: "no_shell" } }
        })
      ) : askShellForContact(frame),
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
