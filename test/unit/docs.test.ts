/**
 * The documentation holds together: README.md stays a newcomer's page, every relative link in
 * README.md and docs/*.md leads somewhere (a file that exists, a heading that exists in it), and
 * docs/reference.md is what scripts/gen-command-docs.mjs makes of the current oclif manifest.
 */
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../helpers/strom.js'

const MARKDOWN = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)]

/** The lines of a markdown file outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): Array<{line: number; text: string}> {
  const out: Array<{line: number; text: string}> = []
  let fence: string | undefined
  markdown.split('\n').forEach((text, i) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(text)?.[1]
    if (fence === undefined && marker !== undefined) fence = marker
    else if (fence !== undefined && marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && text.trim() === marker) fence = undefined
    else if (fence === undefined) out.push({line: i + 1, text})
  })
  return out
}

/** GitHub's anchor for a heading: markup dropped, lower case, punctuation but - and _ dropped, spaces to -. */
function githubSlug(heading: string): string {
  const text = heading
    .replaceAll(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text stays, its target goes
    .replaceAll(/<[^>]+>/g, '')
  return text.trim().toLowerCase().replaceAll(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replaceAll(/\s/g, '-')
}

/** Every anchor a file's headings get, duplicates numbered as GitHub numbers them (-1, -2, ...). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const {text} of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text)?.[1]
    if (heading === undefined) continue
    const base = githubSlug(heading)
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

/** The relative link targets of a file's prose (inline code spans are not links). */
function relativeLinks(markdown: string): Array<{line: number; target: string}> {
  const links: Array<{line: number; target: string}> = []
  for (const {line, text} of proseLines(markdown)) {
    const withoutCode = text.replaceAll(/(`+).*?\1/g, '')
    for (const match of withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1]
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // https:, mailto: ...: not a file of this repository
      links.push({line, target})
    }
  }
  return links
}

const anchorsOf = new Map<string, Set<string>>()
function anchorsOfFile(file: string): Set<string> {
  let set = anchorsOf.get(file)
  if (set === undefined) anchorsOf.set(file, (set = anchors(fs.readFileSync(file, 'utf8'))))
  return set
}

function brokenLinks(file: string): string[] {
  const markdown = fs.readFileSync(path.join(ROOT, file), 'utf8')
  const broken: string[] = []
  for (const {line, target} of relativeLinks(markdown)) {
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined]
    const resolved = pathPart === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), decodeURIComponent(pathPart))
    const where = `${file}:${line}: (${target})`
    if (!resolved.startsWith(ROOT + path.sep) && resolved !== ROOT) broken.push(`${where} leads outside the repository`)
    else if (!fs.existsSync(resolved)) broken.push(`${where}: no file ${path.relative(ROOT, resolved)}`)
    else if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md') && !anchorsOfFile(resolved).has(decodeURIComponent(anchor))) {
      broken.push(`${where}: no heading #${anchor} in ${path.relative(ROOT, resolved)}`)
    }
  }
  return broken
}

describe('documentation', () => {
  it('README.md stays a newcomer page: under 15 KB (details go to docs/)', () => {
    const bytes = fs.statSync(path.join(ROOT, 'README.md')).size
    expect(bytes, `README.md is ${bytes} bytes: move details into docs/ and link them`).toBeLessThan(15 * 1024)
  })

  it('GitHub-style heading anchors', () => {
    expect(githubSlug('`strom consume TOPIC...`')).toBe('strom-consume-topic')
    expect(githubSlug('Kafka clusters: `--bootstrap-server`, profiles, `strom mirror`')).toBe('kafka-clusters---bootstrap-server-profiles-strom-mirror')
    expect(githubSlug('consume --group and group: share the work')).toBe('consume---group-and-group-share-the-work')
    expect([...anchors('# A\n```\n# not a heading\n```\n## A\n## b_c')]).toEqual(['a', 'a-1', 'b_c'])
  })

  it('finds the links it checks', () => {
    expect(relativeLinks('[a](docs/x.md) `[b](no.md)` [c](https://example.com) [d](#e)\n```\n[f](g.md)\n```').map((l) => l.target)).toEqual(['docs/x.md', '#e'])
    expect(relativeLinks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).length).toBeGreaterThan(10)
  })

  for (const file of MARKDOWN) {
    it(`every relative link of ${file} leads to an existing file and heading`, () => {
      expect(brokenLinks(file)).toEqual([])
    })
  }

  it('docs/reference.md is up to date with the commands (oclif.manifest.json)', async () => {
    const manifest = path.join(ROOT, 'oclif.manifest.json')
    expect(fs.existsSync(manifest), 'oclif.manifest.json is missing: run `npm run build`').toBe(true)
    const generated = await execa('node', [path.join(ROOT, 'scripts/gen-command-docs.mjs'), '--stdout'], {cwd: ROOT})
    const committed = fs.readFileSync(path.join(ROOT, 'docs/reference.md'), 'utf8')
    expect(committed === generated.stdout + (generated.stdout.endsWith('\n') ? '' : '\n'), 'docs/reference.md is stale: run `npm run docs` (after `npm run build`) and commit it').toBe(true)
  })
})
