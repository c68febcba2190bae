/**
 * The command-line flags of the training settings, generated from the settings table
 * (src/config/settings.ts): each setting's flag, help, default and choices, and its original
 * spellings (hidden). Commander leaves a flag undefined unless it is given, so the values read
 * back are exactly what the user typed, and resolveConfig fills in the defaults.
 */
import { Command, Option } from 'commander';
import { SETTING_KEYS, SETTINGS, type SettingKey } from '../config/settings.js';

/** Commander argParser for a repeatable flag. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function defaultText(key: SettingKey): string | undefined {
  const value = SETTINGS[key].default;
  if (typeof value === 'object') return undefined;
  return String(value);
}

/** Adds the setting flags to `command`: all of them for train, those a whole study shares for compare. */
export function addSettingFlags(command: Command, which: 'train' | 'compare'): Command {
  for (const key of SETTING_KEYS) {
    const s = SETTINGS[key];
    if (which === 'compare' && s.scope === 'per-run') continue;
    const shown = defaultText(key);
    const option = new Option(`${s.flag} ${s.value}`, shown === undefined ? s.help : `${s.help} (default: ${shown})`);
    if (s.choices) option.choices(s.choices);
    if (s.repeatable) option.argParser(collect);
    command.addOption(option);
    for (const alias of s.aliases ?? []) command.addOption(new Option(`${alias} ${s.value}`).hideHelp());
  }
  return command;
}

/** The settings the user gave, by key (an original spelling counts as its setting). */
export function givenSettings(flags: Record<string, unknown>): Partial<Record<SettingKey, unknown>> {
  const given: Partial<Record<SettingKey, unknown>> = {};
  for (const key of SETTING_KEYS) {
    const s = SETTINGS[key];
    for (const flag of [s.flag, ...(s.aliases ?? [])]) {
      const value = flags[new Option(flag).attributeName()];
      if (value !== undefined) given[key] = value;
    }
  }
  return given;
}

/** The flags a resumed run may change, as the user types them. */
export const RESUMABLE_FLAGS = SETTING_KEYS.filter((k) => SETTINGS[k].resumable).map((k) => SETTINGS[k].flag);
