// Field checks a clerk sees before anything is sent (the API checks again, with the same messages).
import { parseMoney } from './format'

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

/** The message for a resident ID that is not valid (GB 11643), or null. */
export function idNumberProblem(value: string): string | null {
  const number = value.trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(number)) return '证件号码须为18位居民身份证号码'
  const [y, m, d] = [Number(number.slice(6, 10)), Number(number.slice(10, 12)), Number(number.slice(12, 14))]
  const birth = new Date(Date.UTC(y, m - 1, d))
  if (birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d) return '证件号码中的出生日期无效'
  const total = ID_WEIGHTS.reduce((sum, w, i) => sum + w * Number(number[i]), 0)
  if (ID_CHECK[total % 11] !== number[17]) return '证件号码校验位错误，请核对'
  return null
}

export function mobileProblem(value: string): string | null {
  return /^1[3-9]\d{9}$/.test(value.trim()) ? null : '手机号码须为11位有效号码'
}

export function phoneProblem(value: string): string | null {
  return !value.trim() || /^[\d-]{7,20}$/.test(value.trim()) ? null : '联系电话只能包含数字和“-”，7至20位'
}

export function postalCodeProblem(value: string): string | null {
  return /^\d{6}$/.test(value.trim()) ? null : '邮政编码须为6位数字'
}

export function moneyProblem(value: string): string | null {
  return parseMoney(value) === null ? '请输入金额（元），最多两位小数' : null
}

type Rule = { validator: (rule: unknown, value: string, callback: (error?: Error) => void) => void; trigger: string }

/** An Element Plus form rule from a check above (empty values are left to `required`). */
export function rule(check: (value: string) => string | null, trigger = 'blur'): Rule {
  return {
    trigger,
    validator: (_rule, value, callback) => {
      const problem = value ? check(String(value)) : null
      if (problem) callback(new Error(problem))
      else callback()
    },
  }
}

export function required(label: string, trigger = 'blur') {
  return { required: true, message: `请输入${label}`, trigger }
}
