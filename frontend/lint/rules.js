// This product's own bpmnlint rules: the problems `processes check` reports that the
// diagram alone shows, so the designer sees them while drawing.
import { is, isAny } from 'bpmnlint-utils';

// An unquoted ISO date or duration, or words with a space: not a Python expression.
const UNQUOTED = /^(R\d*\/)?(P|\d{4}-)|^[A-Za-z_]\w*\s+[A-Za-z_]\w*$/;

function timerText(definition) {
  const expression = definition.timeDate || definition.timeDuration || definition.timeCycle;
  return expression ? (expression.body || '').trim() : null;
}

function spiffProperty(node, name) {
  const values = (node.extensionElements && node.extensionElements.values) || [];
  const properties = values.find((v) => v.$type === 'spiffworkflow:Properties');
  const found = properties && (properties.properties || []).find((p) => p.name === name);
  return found ? found.value : undefined;
}

function unquotedTimer(messages) {
  return () => ({
    check(node, reporter) {
      if (!is(node, 'bpmn:TimerEventDefinition')) return;
      const text = timerText(node);
      const owner = node.$parent;
      if (text === null || text === '') {
        reporter.report(owner.id, messages.timerEmpty);
      } else if (UNQUOTED.test(text)) {
        reporter.report(owner.id, messages.timerUnquoted.replace('{text}', text));
      }
    },
  });
}

function userTaskLane(messages) {
  return () => ({
    check(node, reporter) {
      if (!is(node, 'bpmn:Process')) return;
      const inLane = new Set();
      (node.laneSets || []).forEach((set) => (set.lanes || []).forEach(
        (lane) => (lane.flowNodeRef || []).forEach((ref) => inLane.add(ref.id))));
      (node.flowElements || []).filter((e) => is(e, 'bpmn:UserTask') && !inLane.has(e.id))
        .forEach((task) => reporter.report(task.id, messages.noLane));
    },
  });
}

function userTaskForm(messages, knownForms) {
  return () => ({
    check(node, reporter) {
      if (!is(node, 'bpmn:UserTask')) return;
      const form = spiffProperty(node, 'formId');
      if (!form) {
        reporter.report(node.id, messages.noForm);
      } else if (knownForms.size && !knownForms.has(form)) {
        reporter.report(node.id, messages.unknownForm.replace('{form}', form));
      }
    },
  });
}

function gatewayDefault(messages) {
  return () => ({
    check(node, reporter) {
      if (!isAny(node, ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway'])) return;
      if ((node.outgoing || []).length > 1 && !node.default) {
        reporter.report(node.id, messages.noDefault);
      }
    },
  });
}

// A cycle that passes no deciding gateway (one with several outgoing flows) runs forever.
function loopsBack(from, target, seen = new Set()) {
  if (from === target) return true;
  if (seen.has(from) || isDecision(from)) return false;
  seen.add(from);
  return (from.outgoing || []).some((flow) => loopsBack(flow.targetRef, target, seen));
}

function isDecision(node) {
  return is(node, 'bpmn:Gateway') && (node.outgoing || []).length > 1;
}

function loopIntoTask(messages) {
  return () => ({
    check(node, reporter) {
      if (!is(node, 'bpmn:SequenceFlow') || !is(node.targetRef, 'bpmn:Activity')) return;
      const source = node.sourceRef;
      if (source && !isDecision(source) && (node.targetRef.outgoing || []).some(
        (flow) => loopsBack(flow.targetRef, source))) {
        reporter.report(node.id, messages.loop);
      }
    },
  });
}

function missingLayout(messages) {
  return () => ({
    check(node, reporter) {
      if (!is(node, 'bpmn:Definitions')) return;
      const drawn = new Set();
      (node.diagrams || []).forEach((d) => ((d.plane && d.plane.planeElement) || [])
        .forEach((e) => e.bpmnElement && drawn.add(e.bpmnElement.id)));
      (node.rootElements || []).filter((e) => is(e, 'bpmn:Process'))
        .forEach((process) => (process.flowElements || [])
          .filter((e) => isAny(e, ['bpmn:FlowNode', 'bpmn:SequenceFlow']) && !drawn.has(e.id))
          .forEach((e) => reporter.report(e.id, messages.noLayout)));
    },
  });
}

export function productRules(messages, knownForms) {
  return {
    'unquoted-timer': unquotedTimer(messages),
    'user-task-lane': userTaskLane(messages),
    'user-task-form': userTaskForm(messages, knownForms),
    'gateway-default': gatewayDefault(messages),
    'loop-into-task': loopIntoTask(messages),
    'missing-layout': missingLayout(messages),
  };
}
