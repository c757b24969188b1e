// Regenerates src/api/schema.d.ts from the gateway's OpenAPI document.
//   npm run gen:api                      from openapi.json here (make openapi / `hpf openapi -o portal/openapi.json`)
//   npm run gen:api -- http://127.0.0.1:8000/api/v1/openapi.json   from a running gateway
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const here = dirname(dirname(fileURLToPath(import.meta.url)))
const source = process.argv[2] || join(here, 'openapi.json')
let input = source
if (/^https?:/.test(source)) {
  const response = await fetch(source)
  if (!response.ok) throw new Error(`${source}: HTTP ${response.status}`)
  input = join(here, 'openapi.json')
  writeFileSync(input, JSON.stringify(await response.json(), null, 2) + '\n')
}
execFileSync(join(here, 'node_modules', '.bin', 'openapi-typescript'),
  [input, '-o', join(here, 'src', 'api', 'schema.d.ts')], { stdio: 'inherit' })
