/** The config layer's public face: `loadConfig(repoRoot, env)` → `Config`. */
export { loadConfig, CONFIG_FILE, ENV_OVERRIDES } from './load.js';
export { SLUG_RE, type Config, type FileConfig } from './schema.js';
