// The bpmnlint configuration of the modeler: the product's rules as a local plugin
// ("product/<rule>"), resolved without a bundler plugin.
import { productRules } from './rules.js';

const MESSAGES = {
  zh: {
    timerEmpty: '定时事件没有表达式',
    timerUnquoted: '定时表达式是 Python 表达式：文字须加引号，例如 "{text}"',
    noLane: '用户任务不在任何泳道中（泳道决定由哪一级办理）',
    noForm: '用户任务没有表单（formId）',
    unknownForm: '表单 {form} 不存在',
    noDefault: '网关有多条出口但没有默认流',
    loop: '顺序流回到任务而中途没有网关判断：流程会无限循环',
    noLayout: '元素没有图形（bpmndi），案件页无法绘制',
  },
  en: {
    timerEmpty: 'timer event has no expression',
    timerUnquoted: 'timer text is a Python expression: quote it, e.g. "{text}"',
    noLane: 'user task is in no lane (the lane decides which level works on it)',
    noForm: 'user task has no form (formId)',
    unknownForm: 'form {form} does not exist',
    noDefault: 'gateway has several outgoing flows but no default flow',
    loop: 'flow loops back into a task without a gateway deciding: the process would loop forever',
    noLayout: 'element has no diagram shape (bpmndi), so the case page cannot draw it',
  },
};

export function lintConfig(lang, knownForms) {
  const rules = productRules(MESSAGES[lang] || MESSAGES.zh, knownForms);
  return {
    config: { rules: Object.fromEntries(Object.keys(rules).map((name) => [`product/${name}`, 'error'])) },
    resolver: {
      resolveRule(pkg, name) {
        if (pkg !== 'bpmnlint-plugin-product' || !rules[name]) throw new Error(`unknown rule ${name}`);
        return rules[name];
      },
      resolveConfig() { throw new Error('no shared configs'); },
    },
  };
}
