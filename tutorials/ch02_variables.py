"""Chapter 2: variables, initializers, tensor generators and tf.get_variable.

The seed's "变量" and "从库函数中生成tensor" programs with `import minitensor as tf`.
A Variable is a tensor whose value lives in the session and survives from one run to the
next; it must be initialized in each session before it is read.

    python tutorials/ch02_variables.py

The `# --8<-- [start:name]` / `[end:name]` comments mark the parts that the docs page
docs/ch02_variables.md shows (mkdocs includes them from this file); they do nothing here.
"""
# --8<-- [start:setup]
import numpy as np

import minitensor as tf

tfs = tf.InteractiveSession()
# --8<-- [end:setup]

# --8<-- [start:variable]
# --- tf.Variable: the linear model y = w * x + b ------------------------------------
w = tf.Variable([.3], tf.float32)
b = tf.Variable([-.3], tf.float32)
x = tf.placeholder(tf.float32)  # x is a placeholder: fed in each run
y = w * x + b
print("w: ", w)
print("x: ", x)
print("b: ", b)
print("y: ", y)

# Three ways to initialize: one variable's own initializer op, all variables at once,
# or a chosen list.  `.run()` uses the default session (our InteractiveSession).
tfs.run(w.initializer)
tfs.run(tf.variables_initializer([b]))
tf.global_variables_initializer().run()
print("run(y, {x:[1,2,3,4]}): ", tfs.run(y, {x: [1, 2, 3, 4]}))

# A variable changes only when an assign op runs.
update_w = tf.assign(w, [1.0])
tfs.run(update_w)
print("after assign, run(y, {x:[1,2,3,4]}): ", tfs.run(y, {x: [1, 2, 3, 4]}))
# --8<-- [end:variable]

# --8<-- [start:fill]
# --- Tensors filled with one value -----------------------------------------------------
a = tf.zeros(100,)
print("a: ", tfs.run(a))
print("zeros([2, 3]):\n", tfs.run(tf.zeros([2, 3])))
print("ones([2, 3]):\n", tfs.run(tf.ones([2, 3])))
print("zeros_like(ones([2, 2])):\n", tfs.run(tf.zeros_like(tf.ones([2, 2]))))
print("fill([2, 3], 7):\n", tfs.run(tf.fill([2, 3], 7)))
# --8<-- [end:fill]

# --8<-- [start:sequence]
# --- Tensors filled with a sequence ----------------------------------------------------
print("lin_space(0.0, 1.0, 5): ", tfs.run(tf.lin_space(0.0, 1.0, 5)))
print("range(2, 10, 3): ", tfs.run(tf.range(2, 10, 3)))
print("range(5): ", tfs.run(tf.range(5)))
# --8<-- [end:sequence]

# --8<-- [start:random]
# --- Tensors filled from a random distribution --------------------------------------
# The graph-level seed makes a program repeatable: every random op without its own seed
# gets an op seed derived from the graph seed (and the op's name).
tf.set_random_seed(123)
normal = tf.random_normal([2, 3], mean=0.0, stddev=1.0)
truncated = tf.truncated_normal([6], mean=0.0, stddev=1.0)  # |value - mean| < 2 stddev
uniform = tf.random_uniform([5], minval=0, maxval=10)
gamma = tf.random_gamma([5], alpha=2.0)

print("random_normal, first run:\n", tfs.run(normal))
# Running the same op again in the same session draws anew ...
print("random_normal, second run (new numbers):\n", tfs.run(normal))
print("truncated_normal: ", tfs.run(truncated))
print("random_uniform: ", tfs.run(uniform))
print("random_gamma: ", tfs.run(gamma))
# ... while a new session starts every random op from its seed again, so it reproduces
# the first session's draws, in the same order.
with tf.Session() as other:
    print("random_normal, first run in a new session (same as the first run):\n",
          other.run(normal))

# An op-level seed fixes one op's sequence whatever the graph seed is.
with_seed = tf.random_uniform([3], seed=7)
with tf.Session() as s1, tf.Session() as s2:
    print("random_uniform(seed=7) in two sessions: ", s1.run(with_seed), s2.run(with_seed))
# --8<-- [end:random]

# --8<-- [start:get_variable]
# --- tf.get_variable and variable scopes ---------------------------------------------
w = tf.get_variable(name="w", shape=[1], dtype=tf.float32, initializer=[.3])
b = tf.get_variable(name="b", shape=[1], dtype=tf.float32, initializer=[-.3])
print("get_variable w: ", w)

# The seed's note: asking for an existing name again is an error unless reuse is on.
try:
    tf.get_variable(name="w", shape=[1], dtype=tf.float32, initializer=[.3])
except tf.errors.VariableExistsError as error:
    print("VariableExistsError:", error)

with tf.variable_scope(tf.get_variable_scope(), reuse=True):
    w_again = tf.get_variable(name="w")
print("reuse=True returns the same variable: ", w_again is w)

# AUTO_REUSE: create on first use, return the existing variable afterwards.
def dense_weights():
    with tf.variable_scope("layer1", reuse=tf.AUTO_REUSE):
        return tf.get_variable("kernel", shape=[2, 2],
                               initializer=tf.random_normal_initializer(seed=1))

k1 = dense_weights()
k2 = dense_weights()
print("AUTO_REUSE: ", k1, " same object:", k1 is k2)

tf.global_variables_initializer().run()
print("run([w, b]): ", tfs.run([w, b]))
tfs.close()
# --8<-- [end:get_variable]
