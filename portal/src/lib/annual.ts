// What the 年度核定 page (F11.1) works out in the browser: rates typed as percents and back, which
// of them the submit sends, and what the page says about members left out. The API checks every
// rule again (the year's range, the bounds) and answers in Chinese.

const PERCENT = /^(\d{1,3})(?:\.(\d{1,2}))?$/
const FRACTION = /^(\d+)(?:\.(\d{1,4}))?$/

/** A rate as whole hundredths of a percent ("0.1250" → 1250), or null when it is not one. */
function basisPoints(rate: string | null | undefined): number | null {
  const match = FRACTION.exec(String(rate ?? '').trim())
  if (!match) return null
  return Number(match[1]) * 10000 + Number((match[2] ?? '').padEnd(4, '0'))
}

function fractionOf(points: number): string {
  const text = `${Math.floor(points / 10000)}.${String(points % 10000).padStart(4, '0')}`
  return text.replace(/(\.\d\d\d?)0+$/, '$1').replace(/(\.\d\d)0$/, '$1')
}

/** "0.1200" → "12", "0.1250" → "12.5": what the percent input starts with ("" when unknown). */
export function percentOf(rate: string | null | undefined): string {
  const points = basisPoints(rate)
  if (points === null) return ''
  const whole = Math.floor(points / 100)
  const rest = String(points % 100).padStart(2, '0').replace(/0+$/, '')
  return rest ? `${whole}.${rest}` : String(whole)
}

/** A typed percent ("10", "12.5", "10%") → the API's fraction ("0.10", "0.125"), or null. */
export function rateFromPercent(input: string): string | null {
  const match = PERCENT.exec(input.trim().replace(/[%％]$/, '').trim())
  if (!match) return null
  const points = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
  return points <= 10000 ? fractionOf(points) : null
}

export interface RateRange { rate_min?: string | null; rate_max?: string | null }
export interface Rates { employer_rate?: string | null; employee_rate?: string | null }
export interface RateForm { employer: string; employee: string }

const RATE_LABELS = { employer_rate: '单位缴存比例', employee_rate: '个人缴存比例' } as const

/**
 * The submit's body: only the rates the clerk changed (a rate left as it is is left out, so it
 * keeps); a slip is said in Chinese, by field.
 */
export function ratesBody(form: RateForm, current: Rates, range: RateRange):
  { body: Rates; problems: Record<string, string> } {
  const body: Rates = {}
  const problems: Record<string, string> = {}
  const low = basisPoints(range.rate_min)
  const high = basisPoints(range.rate_max)
  for (const [field, typed] of [['employer_rate', form.employer], ['employee_rate', form.employee]] as const) {
    const label = RATE_LABELS[field]
    if (!typed.trim()) { problems[field] = `请填写${label}`; continue }
    const rate = rateFromPercent(typed)
    if (rate === null) { problems[field] = `${label}须为百分数，最多两位小数`; continue }
    const points = basisPoints(rate)!
    if (low !== null && high !== null && (points < low || points > high)) {
      problems[field] = `${label}须在${percentOf(range.rate_min)}%至${percentOf(range.rate_max)}%之间`
      continue
    }
    if (points !== basisPoints(current[field])) body[field] = rate
  }
  return { body, problems }
}

/** What the page says about the members of the year's roster the clerk has not listed. */
export function unlistedNote(keepsUnlisted: boolean | null | undefined): string {
  return keepsUnlisted ? '未列入的职工保留原缴存基数' : '须列入全部职工'
}

/** "2026年度（2026年7月至2027年6月）". */
export function yearLabel(year: number | null | undefined): string {
  return year ? `${year}年度（${year}年7月至${year + 1}年6月）` : ''
}
