#!/usr/bin/env python3
"""Lists every public type, constructor and method of Spool's user-facing packages whose Javadoc is missing or
has no example (a {@code ...} or <pre> block). Exit 1 if any; README "Use Spool as a library" names the packages.

    python3 tools/check_api_javadoc.py            # from the repository root
"""
import re, sys
from pathlib import Path

API = {  # package directory -> classes checked (None: every public type of the package)
    'graph/src/main/java/dev/spool/graph': None,
    'graph/src/main/java/dev/spool/graph/io': None,
    'ops/src/main/java/dev/spool/ops': None,
    'runtime/src/main/java/dev/spool/runtime': None,
    'nn/src/main/java/dev/spool/nn': None,
    'nn/src/main/java/dev/spool/nn/train': None,
    'nn/src/main/java/dev/spool/nn/data': None,
    'spark/src/main/java/dev/spool/spark': ['SpoolSpark'],
    'backend-cpu/src/main/java/dev/spool/backend/cpu': ['CpuBackend'],
}
DECL = re.compile(r'^(\s*)((?:public|protected|private|static|final|abstract|default|sealed|non-sealed|synchronized|native|strictfp)\s+)*'
                  r'(class|interface|record|enum|@interface)?\b')


def has_example(doc):
    return '{@code' in doc or '<pre>' in doc


def check(path):
    lines = path.read_text().split('\n')
    problems = []
    doc, annotations = None, []
    stack = []   # (indent, kind, public) of enclosing types
    in_doc = False
    buf = []
    for no, line in enumerate(lines, 1):
        s = line.strip()
        if in_doc:
            buf.append(line)
            if '*/' in s:
                in_doc = False
                doc = '\n'.join(buf)
            continue
        if s.startswith('/**'):
            buf = [line]
            if '*/' in s[3:]:
                doc = line
            else:
                in_doc = True
            continue
        if not s or s.startswith('//') or s.startswith('*'):
            continue
        if s.startswith('@'):
            annotations.append(s)
            if not re.match(r'@\w+(\(.*\))?\s*$', s):   # annotation on the same line as a declaration
                pass
            else:
                continue
        indent = len(line) - len(line.lstrip())
        while stack and indent <= stack[-1][0] and not s.startswith('}'):
            stack.pop()
        m = re.match(r'(?:(?:public|protected|private|static|final|abstract|default|sealed|non-sealed|synchronized)\s+)*'
                     r'(class|interface|record|enum)\s+(\w+)', s)
        mods = s.split('(')[0]
        outer_public = all(p for _, _, p in stack)
        in_interface = bool(stack) and stack[-1][1] == 'interface'
        is_public = ' public ' in ' ' + mods or (in_interface and ' private ' not in ' ' + mods)
        if m:
            pub = (' public ' in ' ' + mods or in_interface) and outer_public
            stack.append((indent, m.group(1), pub))
            if pub and not (doc and has_example(doc)):
                problems.append('%s:%d: type %s: %s' % (path, no, m.group(2), 'no Javadoc' if not doc else 'no example'))
        elif stack and indent == stack[-1][0] + 4 and '(' in s and is_public and outer_public \
                and not re.match(r'(return|new|throw|if|for|while|switch|case)\b', s) \
                and re.match(r'[\w<>\[\], .?@]+\(', s) and '=' not in s.split('(')[0]:
            if not any(a.startswith('@Override') for a in annotations):
                name = s.split('(')[0].split()[-1]
                if not (doc and has_example(doc)):
                    problems.append('%s:%d: method %s: %s' % (path, no, name, 'no Javadoc' if not doc else 'no example'))
        doc, annotations = None, []
    return problems


def main():
    root = Path(__file__).resolve().parent.parent
    problems = []
    for d, only in API.items():
        for f in sorted((root / d).glob('*.java')):
            if f.name == 'package-info.java':
                continue
            if only is not None and f.stem not in only:
                continue
            problems += check(f.relative_to(root))
    for p in problems:
        print(p)
    print('%d public types and methods of the API without Javadoc or example' % len(problems), file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
