// Chinese texts of the dmn-js decision table editor (its `translate` service), used when
// the page is in Chinese. Strings not listed stay in English.
const ZH = {
  'Hit policy:': '命中策略：', 'Hit policy': '命中策略', When: '当', And: '且', Then: '则',
  'View DRD': '查看决策关系图', Annotation: '注释', Annotations: '注释',
  Unique: '唯一（Unique）', First: '首条（First）', Priority: '优先（Priority）', Any: '任一（Any）',
  Collect: '收集（Collect）', 'Collect (Sum)': '收集（求和）', 'Collect (Min)': '收集（最小）',
  'Collect (Max)': '收集（最大）', 'Collect (Count)': '收集（计数）', 'Rule order': '规则顺序',
  'Output order': '输出顺序', 'Add rule': '添加规则', 'Add rule above': '在上方添加规则',
  'Add rule below': '在下方添加规则', 'Remove rule': '删除规则', 'Copy rule': '复制规则',
  'Cut rule': '剪切规则', 'Paste rule above': '粘贴到上方', 'Paste rule below': '粘贴到下方',
  'Add input': '添加输入', 'Add output': '添加输出', 'Add input column left': '在左侧添加输入列',
  'Add input column right': '在右侧添加输入列', 'Add output column left': '在左侧添加输出列',
  'Add output column right': '在右侧添加输出列', 'Remove input column': '删除输入列',
  'Remove output column': '删除输出列', 'Input label': '输入名称', 'Input expression': '输入表达式',
  'Output label': '输出名称', 'Output name': '输出变量名', 'Input': '输入', 'Output': '输出',
  'Expression language': '表达式语言', 'Add cell description': '添加单元格说明',
  'Remove cell description': '删除单元格说明', 'Decision name': '决策名称', 'Type': '类型',
  'Input type': '输入类型', 'Output type': '输出类型', 'Edit string': '编辑文本',
  'Edit number': '编辑数值', 'Edit boolean': '编辑布尔值', 'Edit date': '编辑日期', Yes: '是', No: '否',
  Expression: '表达式', 'Enter expression': '输入表达式', Value: '值', Values: '取值',
};

export default function translate(template, replacements = {}) {
  const text = document.documentElement.lang.startsWith('zh') ? (ZH[template] || template) : template;
  return text.replace(/{([^}]+)}/g, (whole, key) => (key in replacements ? replacements[key] : whole));
}
