import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The compiled module graph (dist/), for the tests that hold the layers to ARCHITECTURE.md. Compiled
 * JavaScript is what runs and what a bundler follows; its .d.ts files add the type-only imports that
 * the compiler erased, so a layer rule can cover those too.
 */

/** Every module specifier a compiled file imports or re-exports, static or dynamic. */
export function specifiersOf(file: string): string[] {
  const js = readFileSync(file, 'utf8');
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm, // import … from, export … from
    /^\s*import\s*['"]([^'"]+)['"]/gm, // import for side effects
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, // import('…'), also import('…').Type in a .d.ts
  ];
  return patterns.flatMap((p) => [...js.matchAll(p)].map((m) => m[1]!));
}

export interface Reach {
  /** Every compiled module reached, each with the module that first imported it (undefined for the start). */
  readonly modules: Map<string, string | undefined>;
  /** Package and built-in specifiers reached, each with the first module that imports it. */
  readonly external: Map<string, string>;
}

/**
 * Walks the graph from `entry` (a compiled .js file). With `types`, each module's .d.ts is read as
 * well, so type-only imports count as edges.
 */
export function reachFrom(entry: string, opts: { types?: boolean } = {}): Reach {
  const modules = new Map<string, string | undefined>([[entry, undefined]]);
  const external = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    const declaration = file.replace(/\.js$/, '.d.ts');
    const sources = opts.types && existsSync(declaration) ? [file, declaration] : [file];
    for (const spec of sources.flatMap(specifiersOf)) {
      if (!spec.startsWith('.')) {
        if (!external.has(spec)) external.set(spec, file);
        continue;
      }
      const target = resolve(dirname(file), spec);
      if (modules.has(target)) continue;
      modules.set(target, file);
      queue.push(target);
    }
  }
  return { modules, external };
}

/** The import chain from the walk's start to `file`, as paths relative to `base`. */
export function chainTo(reach: Reach, file: string, base: string): string {
  const chain: string[] = [];
  for (let at: string | undefined = file; at !== undefined; at = reach.modules.get(at)) chain.unshift(relative(base, at));
  return chain.join(' -> ');
}

/** The compiled .js modules under `dir`, recursively. */
export function compiledModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return compiledModules(path);
    return e.name.endsWith('.js') ? [path] : [];
  });
}

/**
 * Every compiled module under `dir` with the modules it imports directly (relative specifiers only,
 * resolved to files). With `types`, its .d.ts counts too, so type-only imports are edges.
 */
export function moduleGraph(dir: string, opts: { types?: boolean } = {}): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of compiledModules(dir)) {
    const declaration = file.replace(/\.js$/, '.d.ts');
    const sources = opts.types && existsSync(declaration) ? [file, declaration] : [file];
    const targets = sources.flatMap(specifiersOf).filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s));
    graph.set(file, new Set(targets));
  }
  return graph;
}

/**
 * The import loops of a graph: one per strongly connected group of modules (Tarjan), each given as a
 * shortest loop through its first module, e.g. [a, b, a]. A module importing itself is a loop too.
 */
export function importCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || graph.get(v)?.has(v)) groups.push(group.reverse());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return groups.map((group) => loopThrough(graph, group[0]!, new Set(group)));
}

/** A shortest path from `start` back to itself inside `members` (breadth first). */
function loopThrough(graph: ReadonlyMap<string, ReadonlySet<string>>, start: string, members: ReadonlySet<string>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i]!;
    for (const next of graph.get(at) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let back: string | undefined = at; back !== start && back !== undefined; back = cameFrom.get(back)) path.splice(1, 0, back);
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, at);
        queue.push(next);
      }
    }
  }
  return [start, start];
}
