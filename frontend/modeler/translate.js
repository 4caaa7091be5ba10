// Chinese labels for the modeler (palette, context pad, replace menu, properties panel,
// lint list). English pages keep the library's own English text.
const ZH = {
  'Activate hand tool': '手形工具（拖动画布）',
  'Activate lasso tool': '套索工具（框选）',
  'Activate create/remove space tool': '插入/删除空间',
  'Activate global connect tool': '连线工具',
  'Create start event': '开始事件',
  'Create intermediate/boundary event': '中间/边界事件',
  'Create end event': '结束事件',
  'Create gateway': '网关',
  'Create task': '任务',
  'Create data object reference': '数据对象',
  'Create data store reference': '数据存储',
  'Create expanded sub-process': '展开的子流程',
  'Create pool/participant': '池/参与者',
  'Create group': '分组',
  'Append end event': '追加结束事件',
  'Append gateway': '追加网关',
  'Append task': '追加任务',
  'Append intermediate/boundary event': '追加中间/边界事件',
  'Append timer intermediate catch event': '追加定时中间事件',
  'Append message intermediate catch event': '追加消息中间事件',
  'Append signal intermediate catch event': '追加信号中间事件',
  'Append conditional intermediate catch event': '追加条件中间事件',
  'Append receive task': '追加接收任务',
  'Append compensation activity': '追加补偿活动',
  'Append text annotation': '追加文字注释',
  'Add text annotation': '添加文字注释',
  'Add lane above': '在上方添加泳道',
  'Add lane below': '在下方添加泳道',
  'Divide into two lanes': '拆分为两条泳道',
  'Divide into three lanes': '拆分为三条泳道',
  'Change element': '更改类型',
  'Change type': '更改类型',
  'Delete': '删除',
  'Connect to other element': '连接到其他元素',
  'Connect using association': '用关联连接',
  'Connect using data input association': '用数据输入关联连接',
  'Connect using sequence/message flow or association': '用顺序流/消息流或关联连接',
  'Search in diagram': '在图中搜索',
  'Task': '任务', 'User task': '用户任务', 'Service task': '服务任务', 'Script task': '脚本任务',
  'Business rule task': '业务规则任务', 'Manual task': '手工任务', 'Send task': '发送任务',
  'Receive task': '接收任务', 'Call activity': '调用活动',
  'Sub-process (collapsed)': '子流程（折叠）', 'Sub-process (expanded)': '子流程（展开）',
  'Exclusive gateway': '排他网关', 'Parallel gateway': '并行网关', 'Inclusive gateway': '包容网关',
  'Complex gateway': '复杂网关', 'Event-based gateway': '事件网关',
  'Start event': '开始事件', 'End event': '结束事件',
  'Intermediate throw event': '中间抛出事件',
  'Timer intermediate catch event': '定时中间事件',
  'Message intermediate catch event': '消息中间事件',
  'Message start event': '消息开始事件', 'Timer start event': '定时开始事件',
  'Message end event': '消息结束事件', 'Terminate end event': '终止结束事件',
  'Sequence flow': '顺序流', 'Default flow': '默认流', 'Conditional flow': '条件流',
  'General': '基本', 'Name': '名称', 'ID': '编号', 'Documentation': '说明',
  'Element documentation': '元素说明', 'Process documentation': '流程说明',
  'Executable': '可执行', 'Process ID': '流程编号', 'Process name': '流程名称',
  'Condition': '条件', 'Condition expression': '条件表达式', 'Type': '类型',
  'Message': '消息', 'Signal': '信号', 'Timer': '定时', 'Multi-instance': '多实例',
  'Element must have an unique id.': '编号必须唯一。', 'ID must not be empty.': '编号不能为空。',
  'ID must not contain spaces.': '编号不能包含空格。',
  'ID must be a valid QName.': '编号必须是合法的 QName。',
  'Properties panel': '属性面板', 'Select an element to edit its properties.': '选择一个元素以编辑其属性。',
  'Multiple elements are selected. Select a single one to edit its properties.': '选中了多个元素，请只选一个以编辑属性。',
  'Toggle linting overlays': '显示/隐藏检查标记',
  '{errors} Errors, {warnings} Warnings': '{errors} 个错误，{warnings} 个警告',
  'No Issues': '没有问题',
  'Issues for child elements': '子元素的问题',
  'Toggle minimap': '显示/隐藏小地图',
  'Open minimap': '打开小地图', 'Close minimap': '关闭小地图',
};

export function translator(lang) {
  const dictionary = lang === 'en' ? {} : ZH;
  return function translate(template, replacements) {
    const text = dictionary[template] || template;
    return text.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements
      ? replacements[key] : `{${key}}`));
  };
}

export function translateModule(lang) {
  return { translate: ['value', translator(lang)] };
}
