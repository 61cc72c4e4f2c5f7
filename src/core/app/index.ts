// App manager: the node-local app registry and lifecycle (public design 08).
export { AppManager, SYSTEM_APP_INFO, type AppAction, type AppInfo, type AppPackage } from "./app-manager.ts";
