// Reading and writing the spiffworkflow extension elements the engine reads, keeping every
// other extension element and property of the task as it was.
import { is } from 'bpmn-js/lib/util/ModelUtil';

const UPDATE = 'element.updateModdleProperties';

export function extension(bo, type) {
  const values = (bo.extensionElements && bo.extensionElements.get('values')) || [];
  return values.find((v) => is(v, type));
}

export function spiffProperty(bo, name) {
  const properties = extension(bo, 'spiffworkflow:Properties');
  const found = properties && properties.get('properties').find((p) => p.name === name);
  return found ? found.value : '';
}

function ensure(element, bo, type, attrs, bpmnFactory, commands) {
  let container = bo.get('extensionElements');
  if (!container) {
    container = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    container.$parent = bo;
    commands.push({ cmd: UPDATE, context: { element, moddleElement: bo,
      properties: { extensionElements: container } } });
  }
  let found = container.get('values').find((v) => is(v, type));
  if (!found) {
    found = bpmnFactory.create(type, attrs);
    found.$parent = container;
    commands.push({ cmd: UPDATE, context: { element, moddleElement: container,
      properties: { values: [...container.get('values'), found] } } });
  }
  return found;
}

export function setSpiffProperty(element, name, value, bpmnFactory, commandStack) {
  const bo = element.businessObject;
  const commands = [];
  const properties = ensure(element, bo, 'spiffworkflow:Properties', { properties: [] },
    bpmnFactory, commands);
  const list = properties.get('properties');
  const found = list.find((p) => p.name === name);
  if (!value) {
    if (found) {
      commands.push({ cmd: UPDATE, context: { element, moddleElement: properties,
        properties: { properties: list.filter((p) => p !== found) } } });
    }
  } else if (found) {
    commands.push({ cmd: UPDATE, context: { element, moddleElement: found, properties: { value } } });
  } else {
    const created = bpmnFactory.create('spiffworkflow:Property', { name, value });
    created.$parent = properties;
    commands.push({ cmd: UPDATE, context: { element, moddleElement: properties,
      properties: { properties: [...list, created] } } });
  }
  if (commands.length) commandStack.execute('properties-panel.multi-command-executor', commands);
}

export function spiffText(bo, type) {
  const found = extension(bo, type);
  return (found && found.value) || '';
}

export function setSpiffText(element, type, value, bpmnFactory, commandStack) {
  const commands = [];
  const found = ensure(element, element.businessObject, type, { value }, bpmnFactory, commands);
  commands.push({ cmd: UPDATE, context: { element, moddleElement: found, properties: { value } } });
  commandStack.execute('properties-panel.multi-command-executor', commands);
}

export function documentationText(bo) {
  const docs = bo.get('documentation') || [];
  return docs.length ? docs[0].text || '' : '';
}

export function setDocumentation(element, text, bpmnFactory, commandStack) {
  const bo = element.businessObject;
  const docs = bo.get('documentation') || [];
  if (docs.length) {
    commandStack.execute(UPDATE, { element, moddleElement: docs[0], properties: { text } });
    return;
  }
  const created = bpmnFactory.create('bpmn:Documentation', { text });
  created.$parent = bo;
  commandStack.execute(UPDATE, { element, moddleElement: bo, properties: { documentation: [created] } });
}

export function timerDefinition(element) {
  const bo = element.businessObject;
  return (bo.get && bo.eventDefinitions || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

export function timerKind(definition) {
  return ['timeDate', 'timeDuration', 'timeCycle'].find((k) => definition.get(k)) || 'timeDate';
}

export function setTimer(element, kind, text, bpmnFactory, commandStack) {
  const definition = timerDefinition(element);
  const expression = bpmnFactory.create('bpmn:FormalExpression', { body: text });
  expression.$parent = definition;
  commandStack.execute(UPDATE, { element, moddleElement: definition, properties: {
    timeDate: undefined, timeDuration: undefined, timeCycle: undefined, [kind]: expression } });
}

export function laneOf(element) {
  const lanes = element.businessObject.get ? element.businessObject.get('lanes') : [];
  if (lanes && lanes.length) return lanes[0];
  let parent = element.parent;
  while (parent && !is(parent, 'bpmn:Lane')) parent = parent.parent;
  return parent ? parent.businessObject : null;
}

// English texts sit beside the Chinese ones as attributes of the namespace below
// (docs/PROCESSES.md "English names"): en:name on any element, en:dueRule on a user task.
const LANGUAGE_NS = 'urn:process-language:en';

function definitionsOf(bo) {
  let node = bo;
  while (node && node.$parent) node = node.$parent;
  return node;
}

export function englishText(bo, name) {
  return (bo.get && bo.get(`en:${name}`)) || '';
}

export function setEnglishText(element, name, value, commandStack) {
  const bo = element.businessObject;
  const definitions = definitionsOf(bo);
  // declared once on the root, so that the saved XML names the namespace of en:*
  if (definitions && definitions.$attrs && !definitions.$attrs['xmlns:en']) {
    definitions.$attrs['xmlns:en'] = LANGUAGE_NS;
  }
  commandStack.execute(UPDATE, { element, moddleElement: bo,
    properties: { [`en:${name}`]: value || undefined } });
}
