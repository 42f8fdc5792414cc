;; A Compute app that traps before it responds.
(module
  (memory (export "memory") 1)
  (func (export "_start") unreachable))
