// A diagram's names in the page language, before bpmn-js draws it (viewer.js, history.js).
const LANGUAGE_NS = 'urn:process-language:en'; // en:name (docs/PROCESSES.md "English names")

// Show each element's English name on an English page, and each lane (named after its
// level: applicant, county...) by the level's name in the page language.
export function localise(xml, lang, lanes) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) return xml;
  for (const element of doc.getElementsByTagName('*')) {
    const english = lang === 'en' && element.getAttributeNS(LANGUAGE_NS, 'name');
    if (english) element.setAttribute('name', english);
    if (element.localName === 'lane' && lanes[element.getAttribute('name')]) {
      element.setAttribute('name', lanes[element.getAttribute('name')]);
    }
  }
  return new XMLSerializer().serializeToString(doc);
}
