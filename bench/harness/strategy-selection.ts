import type { StrategyModules } from '../../results/schema.ts';
import { type AnyStrategyName, BUILT_IN_STRATEGY_NAMES, type ModuleStrategyName, registerStrategyModule, strategyModuleOf } from '../../strategies/registry.ts';
import { loadStrategyModule, StrategyModuleRefused } from '../../strategies/strategy-module.ts';
import { type Flag, parseChoiceList, UsageError } from '../common/cli.ts';

/** --strategy-module, as every command that runs strategies declares it. */
export const STRATEGY_MODULE_FLAG = {
  type: 'string',
  multiple: true,
  value: 'PATH',
  help: 'also run the strategy this TypeScript or JavaScript file exports by default (README: "Bring your own strategy"); may be repeated',
} as const satisfies Flag;

/**
 * The strategies a run's cells get: those --strategies lists (else `defaults`), then each module of
 * --strategy-module not already listed by name. Each module is loaded and checked against
 * strategies/strategy.ts here, before any server starts, and registered in this process, so that
 * the matrix and the server specs know it; a module that does not fit is a UsageError naming what
 * it lacks. `accepted` are the built-in names --strategies may give. The one place a command turns
 * its strategy flags into strategies (the load run, verify, the soak, instruction counts).
 */
export async function selectStrategies(
  listed: string | undefined,
  modulePaths: readonly string[] | undefined,
  accepted: readonly AnyStrategyName[],
  defaults: readonly AnyStrategyName[] = accepted,
): Promise<AnyStrategyName[]> {
  const modules: AnyStrategyName[] = [];
  for (const path of modulePaths ?? []) modules.push(await useStrategyModule(path));
  const chosen = listed === undefined ? [...defaults] : parseChoiceList('strategies', listed, [...accepted, ...modules]);
  return [...chosen, ...modules.filter((name, index) => !chosen.includes(name) && modules.indexOf(name) === index)];
}

/** Loads, checks and registers one strategy module (see selectStrategies); a refusal is a UsageError. */
export async function useStrategyModule(path: string): Promise<ModuleStrategyName> {
  if (path.trim() === '') throw new UsageError('--strategy-module needs a file path (accepted: --strategy-module PATH)');
  try {
    return registerStrategyModule(await loadStrategyModule(path, BUILT_IN_STRATEGY_NAMES));
  } catch (error) {
    if (error instanceof StrategyModuleRefused) throw new UsageError(error.message);
    throw error;
  }
}

/** What a result records of the module strategies among `strategies`: nothing when there are none. */
export function describeStrategyModules(strategies: readonly string[]): { strategyModules?: StrategyModules } {
  const modules = [...new Set(strategies)].flatMap((name) => strategyModuleOf(name) ?? []);
  if (modules.length === 0) return {};
  return { strategyModules: Object.fromEntries(modules.map((module) => [module.name, { path: module.path, sha256: module.sha256 }])) };
}
