/**
 * `audiopred tasks`: the tasks a unit can be set, what each reads and the settings it defaults
 * differently; and the line train, compare and tune print when a task's own defaults apply.
 */
import { SETTINGS, settingText, type SettingKey, type TrainConfig } from '../config/settings.js';
import { UsageError } from '../errors.js';
import { bundledInputs } from '../tasks/data.js';
import { repeatOfSeed } from '../tasks/mackey-glass-data.js';
import { TASK_NAMES, TASKS, type TaskName } from '../tasks/registry.js';

/** '--horizon 1' as the command line spells it. */
const flagText = (key: SettingKey, value: unknown) => `${SETTINGS[key].flag} ${settingText(key, value as TrainConfig[SettingKey])}`;

const defaultsText = (task: TaskName) => Object.entries(TASKS[task].defaults).map(([k, v]) => flagText(k as SettingKey, v)).join(', ');

export function tasksCommand(): void {
  const out = process.stdout;
  for (const name of TASK_NAMES) {
    const t = TASKS[name];
    out.write(`${name}${name === 'audio' ? ' (default)' : ''}\n  ${t.about}\n  input: ${t.input}\n`);
    if (Object.keys(t.defaults).length) out.write(`  defaults: ${defaultsText(name)} (${t.why})\n`);
  }
  out.write('\nUse: audiopred train --task NAME [INPUT]; compare and tune take --task too.\n');
}

/** 'task series: --normalize coefficient, --horizon 1 (its defaults)' for the defaults the user did not give, or nothing. */
export function taskNote(config: TrainConfig, given: readonly SettingKey[]): string | undefined {
  // A split the task fixes is its windows, said in words below, not as fractions.
  const fixed = TASKS[config.task].fixed ?? [];
  const applied = Object.keys(TASKS[config.task].defaults).filter((k) => !given.includes(k as SettingKey) && !(k === 'split' && fixed.includes(k))) as SettingKey[];
  const repeat = config.task === 'mackey-glass' ? `; repeat ${repeatOfSeed(config.seed)} (--seed mod 30): train on its first 750 points, test free-running on the next 750, validate on the 750 after` : '';
  if (!applied.length) return repeat ? `task ${config.task}${repeat}` : undefined;
  return `task ${config.task}: ${applied.map((k) => flagText(k, config[k])).join(', ')} (the task's ${fixed.length ? 'protocol and defaults' : 'defaults'}; ${fixed.length ? `${fixed.map((k) => SETTINGS[k as SettingKey].flag).join(', ')} are fixed, the others may be given` : 'give the flag to change one'})${repeat}`;
}

/** The inputs a study runs on: those given, or the task's bundled ones. */
export function studyInputs(task: TaskName, given: readonly string[]): readonly string[] {
  if (given.length) return given;
  const bundled = bundledInputs(task);
  if (bundled.length) return bundled;
  throw new UsageError(`--task ${task} needs input files: ${TASKS[task].input}`);
}
