"""Kernels that cannot reach secrets: the one launcher grading and live sessions share.

A kernel runs in a jail (`jail.open_jail`): a scratch folder of its own, resource limits, and,
where the machine allows, a mount namespace without the course directory, no network, its own
process tree, and an unprivileged user. `policy.detect` says which protections this machine
gives; `kernel_manager.JailedKernelManager` starts a Jupyter kernel inside a jail;
`execute.SandboxedExecute` is the nbgrader preprocessor that grades each notebook that way.
"""
