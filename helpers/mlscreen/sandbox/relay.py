"""The process a Jupyter kernel manager starts for a kernel forked from the template.

Run as `python -I -S relay.py SOCKET REQUEST` (the standard library only, started in a few
milliseconds). It asks the template (`mlscreen.kernel.template`) for a kernel with this
process's working folder, environment and standard streams, then waits: it ends with the
kernel's exit code (128 + N for signal N), and if it is killed, the template kills the kernel.
"""

import json
import os
import socket
import sys


def main() -> int:
    path, request = sys.argv[1], json.loads(sys.argv[2])
    request.update(cwd=os.getcwd(), env=dict(os.environ))
    template = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        template.connect(path)
        socket.send_fds(template, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
        for line in template.makefile("rb"):
            message = json.loads(line)
            if "exit" in message:
                code = int(message["exit"])
                return 128 - code if code < 0 else code
    except OSError as error:
        print(f"kernel relay: the template kernel is not answering ({error})", file=sys.stderr)
    return 1  # the template went away before its kernel ended


if __name__ == "__main__":
    sys.exit(main())
