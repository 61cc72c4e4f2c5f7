// Config manager (architecture 01): the key registry, validated settings and frozen snapshots.
export {
  CONFIG_KEYS,
  CONFIG_DEFAULTS,
  CONFIG_RELATIONS,
  IMMUTABLE_NAMESPACE,
  configKeySpec,
  isConfigKey,
  type ConfigKey,
  type ConfigKeySpec,
  type ConfigValueType,
  type ConfigValues,
  type NumericConfigKey,
} from "./config-keys.ts";
export { createConfigManager, type ConfigManager, type ConfigManagerOptions, type ConfigSnapshot } from "./config-manager.ts";
export { createMemorySettingsStore, type MemorySettingsStore } from "./memory-settings-store.ts";
export type { SettingsStore } from "./ports.ts";
export type { SettingIssueReason } from "./validate-settings.ts";
