// The properties panel group for what this product reads from a BPMN element
// (docs/PROCESSES.md): lane and level, form, decision table, timer, due working days,
// script, the clause cited, and the English name and deadline rule the English interface shows.
import { h } from '@bpmn-io/properties-panel/preact';
import { useState } from '@bpmn-io/properties-panel/preact/hooks';
import { SelectEntry, TextAreaEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { is } from 'bpmn-js/lib/util/ModelUtil';
import {
  documentationText, englishText, laneOf, setDocumentation, setEnglishText, setSpiffProperty,
  setSpiffText, setTimer, spiffProperty, spiffText, timerDefinition, timerKind,
} from './spiff.js';
import { fill, text } from './labels.js';
import { FormPreview, TimerPreview } from './previews.js';

const CITES = /第[一二三四五六七八九十百零〇两\d]+条|产品默认/;
const CHINESE = /[\u3400-\u9fff]/;

function useWriters() {
  return { bpmnFactory: useService('bpmnFactory'), commandStack: useService('commandStack'),
    debounce: useService('debounceInput') };
}

function LaneEntry({ element }) {
  const lane = laneOf(element);
  const name = lane ? (lane.name || lane.id) : '';
  const level = text.levels[name] || name;
  return h('div', { class: 'bio-properties-panel-entry product-lane', 'data-entry-id': 'product-lane' },
    h('div', { class: 'bio-properties-panel-label' }, text.lane),
    h('div', { class: 'product-value', 'data-testid': 'lane-value' },
      lane ? fill(text.laneValue, { level, name }) : text.noLane));
}

function FormEntry({ element, id, context }) {
  const { bpmnFactory, commandStack } = useWriters();
  const current = spiffProperty(element.businessObject, 'formId');
  const getOptions = () => {
    const options = [{ value: '', label: text.none },
      ...context.forms.map((f) => ({ value: f.key, label: `${f.title || f.key}（${f.key}）` }))];
    if (current && !context.forms.some((f) => f.key === current)) {
      options.push({ value: current, label: `${current}（${text.unknownForm}）` });
    }
    return options;
  };
  return h('div', {},
    h(SelectEntry, { element, id, label: text.form, getOptions,
      getValue: () => current,
      setValue: (value) => setSpiffProperty(element, 'formId', value, bpmnFactory, commandStack) }),
    h(FormPreview, { form: current, context }));
}

function DecisionEntry({ element, id, context }) {
  const { bpmnFactory, commandStack } = useWriters();
  const current = spiffText(element.businessObject, 'spiffworkflow:CalledDecisionId');
  const found = context.decisions.find((d) => d.id === current);
  const getOptions = () => [{ value: '', label: text.none },
    ...context.decisions.map((d) => ({ value: d.id, label: `${d.id}（${d.file}）` }))];
  const link = found && h('a', { class: 'product-link', 'data-testid': 'decision-link',
    href: `/processes/${context.key}/decisions/${encodeURIComponent(found.file)}/edit` },
  text.editDecision);
  return h(SelectEntry, { element, id, label: text.decision, getOptions, description: link,
    getValue: () => current,
    setValue: (value) => setSpiffText(element, 'spiffworkflow:CalledDecisionId', value,
      bpmnFactory, commandStack) });
}

function PropertyField({ element, id, name, label, description, validate }) {
  const { bpmnFactory, commandStack, debounce } = useWriters();
  return h(TextFieldEntry, { element, id, label, description, debounce, validate,
    getValue: () => spiffProperty(element.businessObject, name),
    setValue: (value) => setSpiffProperty(element, name, (value || '').trim(), bpmnFactory,
      commandStack) });
}

function VariableEntry({ element, id }) {
  const { bpmnFactory, commandStack, debounce } = useWriters();
  return h(TextFieldEntry, { element, id, label: text.variable, debounce,
    description: text.variableHelp,
    getValue: () => spiffText(element.businessObject, 'spiffworkflow:VariableName'),
    setValue: (value) => setSpiffText(element, 'spiffworkflow:VariableName', value || '',
      bpmnFactory, commandStack) });
}

function TimerEntry({ element, id, context }) {
  const { bpmnFactory, commandStack, debounce } = useWriters();
  const definition = timerDefinition(element);
  const kind = timerKind(definition);
  const expression = definition.get(kind);
  const body = expression ? expression.body || '' : '';
  const [, refresh] = useState(0);
  return h('div', {},
    h(SelectEntry, { element, id: `${id}-kind`, label: text.timerKind,
      getOptions: () => [{ value: 'timeDate', label: text.timeDate },
        { value: 'timeDuration', label: text.timeDuration }],
      getValue: () => kind,
      setValue: (value) => setTimer(element, value, body, bpmnFactory, commandStack) }),
    h(TextAreaEntry, { element, id, label: text.timer, debounce, monospace: true, rows: 2,
      description: h('div', { class: 'product-help', 'data-testid': 'timer-help' },
        text.timerHelp, h('ul', {}, text.helpers.map(([name, what]) =>
          h('li', {}, h('code', {}, name), ' — ', what)))),
      getValue: () => body,
      setValue: (value) => { setTimer(element, kind, value || '', bpmnFactory, commandStack); refresh((n) => n + 1); } }),
    h(TimerPreview, { expression: body, context }));
}

function ScriptEntry({ element, id }) {
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  return h(TextAreaEntry, { element, id, label: text.script, debounce, monospace: true, rows: 8,
    description: text.scriptHelp,
    getValue: () => element.businessObject.get('script') || '',
    setValue: (value) => modeling.updateProperties(element, { script: value || '' }) });
}

function ClauseEntry({ element, id }) {
  const { bpmnFactory, commandStack, debounce } = useWriters();
  return h(TextAreaEntry, { element, id, label: text.clause, debounce, rows: 4,
    description: text.clauseHelp,
    validate: (value) => (CITES.test(value || '') ? null : text.clauseMissing),
    getValue: () => documentationText(element.businessObject),
    setValue: (value) => setDocumentation(element, value || '', bpmnFactory, commandStack) });
}

// An English text (en:name, en:dueRule) read and written as an attribute of the element.
function EnglishEntry({ element, id, name, label, description }) {
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, { element, id, label, description, debounce,
    validate: (value) => (CHINESE.test(value || '') ? text.notEnglish : null),
    getValue: () => englishText(element.businessObject, name),
    setValue: (value) => setEnglishText(element, name, (value || '').trim(), commandStack) });
}

const positiveWhole = (value) => (!value || /^[1-9]\d*$/.test(value.trim()) ? null : text.wholeDays);

// Named components, not arrows made per render: the panel re-renders after every change, and
// a new component type would remount the field a designer is typing in.
const DueEntry = (props) => h(PropertyField, { ...props, name: 'dueWorkingDays',
  label: text.due, description: text.dueHelp, validate: positiveWhole });
const DueRuleEntry = (props) => h(PropertyField, { ...props, name: 'dueRule',
  label: text.dueRule, description: text.dueRuleHelp,
  validate: (value) => (!value || CITES.test(value) ? null : text.clauseMissing) });
const EnglishNameEntry = (props) => h(EnglishEntry, { ...props, name: 'name',
  label: text.englishName, description: text.englishNameHelp });
const DueRuleEnglishEntry = (props) => h(EnglishEntry, { ...props, name: 'dueRule',
  label: text.dueRuleEnglish, description: text.dueRuleEnglishHelp });

function entries(element, context) {
  const list = [];
  const add = (id, component, extra = {}) => list.push({ id, component, element, context, ...extra,
    isEdited: () => false });
  if (is(element, 'bpmn:FlowNode')) add('product-lane', LaneEntry);
  if (is(element, 'bpmn:FlowElement') || is(element, 'bpmn:Participant')) {
    add('product-english-name', EnglishNameEntry);
  }
  if (is(element, 'bpmn:UserTask')) {
    add('product-form', FormEntry);
    add('product-variable', VariableEntry);
    add('product-due', DueEntry);
    add('product-due-rule', DueRuleEntry);
    add('product-due-rule-english', DueRuleEnglishEntry);
  }
  if (is(element, 'bpmn:BusinessRuleTask')) add('product-decision', DecisionEntry);
  if (is(element, 'bpmn:Event') && timerDefinition(element)) add('product-timer', TimerEntry);
  if (is(element, 'bpmn:ScriptTask')) add('product-script', ScriptEntry);
  if (is(element, 'bpmn:FlowNode')) add('product-clause', ClauseEntry);
  return list;
}

export default function ProductPropertiesProvider(propertiesPanel, config) {
  const context = config || { forms: [], decisions: [], key: '' };
  this.getGroups = (element) => (groups) => {
    const kept = groups.filter((g) => !['documentation', 'timer'].includes(g.id));
    const own = entries(element, context);
    if (own.length) kept.splice(1, 0, { id: 'product', label: text.group, entries: own });
    return kept;
  };
  propertiesPanel.registerProvider(500, this);
}

ProductPropertiesProvider.$inject = ['propertiesPanel', 'config.productProperties'];
