// YAML as kubectl reads it. sigs.k8s.io/yaml (kubectl's YAML reader, go-yaml v2's resolver)
// resolves the plain words yes/on and no/off (in their three spellings) as booleans, YAML 1.1
// style, where YAML 1.2's core schema has only true/false: `app: yes` is a boolean there, and
// kubectl refuses it as a label value. Reading with YAML11_BOOLEAN makes a case file mean that.
// go-yaml v2 reads the single letters y/Y/n/N as booleans too; the reader keeps those strings
// (netprops' examples and generated cases name namespaces x, y, z, as cyclonus does), and the
// writer quotes them, so what netprops writes means the same to kubectl.
import { stringify } from 'yaml';

const WORDS = /^(?:yes|Yes|YES|on|On|ON|no|No|NO|off|Off|OFF)$/;
const WORDS_AND_LETTERS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
const resolve = (text: string): boolean => /^(?:y|Y|yes|Yes|YES|on|On|ON)$/.test(text);

export const YAML11_BOOLEAN = { tag: 'tag:yaml.org,2002:bool', default: true, test: WORDS, resolve };

/** For reading case files: yes/no/on/off are booleans. */
export const kubectlTags = <T>(tags: T[]): (T | typeof YAML11_BOOLEAN)[] => [...tags, YAML11_BOOLEAN];

/** For writing: every word go-yaml v2 reads as a boolean is quoted when it is a string. */
export const kubectlWriteTags = <T>(tags: T[]): (T | typeof YAML11_BOOLEAN)[] => [...tags, { ...YAML11_BOOLEAN, test: WORDS_AND_LETTERS }];

/**
 * An object as YAML for kubectl (manifests a person applies): with plain `yaml` stringify a
 * namespace named y is written unquoted, which kubectl reads as a boolean and refuses ("cannot
 * unmarshal bool into ... ObjectMeta.metadata.name"; seen running a repro's repro.sh).
 */
export function kubectlYaml(object: unknown): string {
  return stringify(object, { customTags: kubectlWriteTags, lineWidth: 0 });
}
