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
