#!/usr/bin/env bash
# A stand-in for kubectl in repro.test.ts: logs every call to $FAKE_LOG and answers the calls a
# repro.sh makes. For `exec -n NS POD ... HOST:PORT`, the first line of $FAKE_RULES that starts
# with "NS/POD HOST:PORT " gives agnhost connect's stderr (and exit 1); no line means connected.
# For `exec ... curl URL`, a line "NS/POD URL ADDRESS" gives the address netexec's /clientip saw;
# no line means the sender's own pod IP.
echo "$*" >> "$FAKE_LOG"
case "$1" in
  version | apply | wait | delete | label) exit 0 ;;
  get)
    case "$2" in
      namespace)
        # -o go-template: the namespace's labels as key=value lines, from $FAKE_NS_LABELS
        if [[ "${4:-}" == -o ]]; then printf '%b' "${FAKE_NS_LABELS:-}"; exit 0; fi
        [[ -n "${FAKE_EXISTING_NS:-}" && "$3" == "$FAKE_EXISTING_NS" ]] && exit 0
        exit 1 ;;
      pod)
        [[ "${7:-}" == *nodeName* ]] && { echo kind-worker; exit 0; }
        case "$5" in web) echo 192.168.1.10 ;; local) echo 192.168.2.20 ;; client) echo 192.168.2.30 ;; *) echo 192.168.9.9 ;; esac ;;
      service) echo 10.100.0.7 ;;
      node) echo 172.19.0.5 ;;
    esac
    exit 0 ;;
  exec)
    from="$3/$4"
    dest="${*: -1}"
    rule=$(grep -F "$from $dest " "$FAKE_RULES" | head -n 1 || true)
    if [[ " $* " == *" curl "* ]]; then
      # netexec's /clientip: the address:port the receiver saw; by default the sender's own pod IP.
      if [[ -n "$rule" ]]; then echo "${rule#* * }:40000"; exit 0; fi
      "$0" get pod -n "$3" "$4" -o jsonpath='{.status.podIP}' | tr -d '\n'
      echo ":40000"
      exit 0
    fi
    [[ -z "$rule" ]] && exit 0
    echo "${rule#* * }" >&2
    echo "command terminated with exit code 1" >&2
    exit 1 ;;
esac
echo "fake kubectl: unexpected call: $*" >&2
exit 3
