// YAML as kubectl reads it. sigs.k8s.io/yaml (kubectl's YAML reader) resolves the plain words
// y/yes/on and n/no/off (in their three spellings) as booleans, YAML 1.1 style, where YAML 1.2's
// core schema has only true/false: `app: yes` is a boolean there, and kubectl refuses it as a
// label value. Reading with this tag makes a case file mean what it means to kubectl; writing with
// it makes the encoder quote such strings.
export const YAML11_BOOLEAN = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/,
  resolve: (text: string): boolean => /^(?:y|Y|yes|Yes|YES|on|On|ON)$/.test(text),
};

export const kubectlTags = <T>(tags: T[]): (T | typeof YAML11_BOOLEAN)[] => [...tags, YAML11_BOOLEAN];
