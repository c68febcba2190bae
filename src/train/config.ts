// Temporary: the settings moved to src/config/settings.ts; this goes once every import points there.
export { BACKEND_CHOICES, DEFAULT_CONFIG, resolveConfig, type BackendChoice, type TrainConfig } from '../config/settings.js';
