"""Chapter 1: tensors -- constants, operations, placeholders, Python objects as tensors.

The seed's "Tensorflow 101" programs with `import minitensor as tf`.  A Tensor is a
symbolic handle: printing it shows its name, shape and dtype, never a value.  Values exist
only inside `Session.run`.

    python tutorials/ch01_tensors.py

The `# --8<-- [start:name]` / `[end:name]` comments mark the parts that the docs page
docs/ch01_tensors.md shows (mkdocs includes them from this file); they do nothing here.
"""
# --8<-- [start:setup]
import numpy as np

import minitensor as tf

# An InteractiveSession installs itself as the default session, so `t.eval()` and
# `op.run()` work without naming it.  A plain tf.Session() is used in a `with` block.
tfs = tf.InteractiveSession()
hello = tf.constant("Hello, TensorFlow!!")
print(tfs.run(hello))  # strings come back as bytes, as in TF 1.x under Python 3
# --8<-- [end:setup]

# --8<-- [start:constants]
# --- Constants ------------------------------------------------------------------------
c1 = tf.constant(5, name="x")                 # int32: the dtype comes from the value
c2 = tf.constant(6.0, name="y")               # float32
c3 = tf.constant(7.0, tf.float32, name="z")   # dtype given explicitly
print("c1:", c1)
print("run([c1, c2, c3]) :", tfs.run([c1, c2, c3]))
# --8<-- [end:constants]

# --8<-- [start:operations]
# --- Operations -------------------------------------------------------------------------
# An op call adds a node to the graph and returns its output tensor; nothing is computed.
op1 = tf.add(c2, c3)
op2 = tf.multiply(c2, c3)
print("op1: ", op1)
print("op2: ", op2)
print("run(op1): ", tfs.run(op1))
print("run(op2): ", tfs.run(op2))
print("run(tf.subtract(c3, c2)): ", tfs.run(tf.subtract(c3, c2)))
print("run(tf.div(c3, c2)): ", tfs.run(tf.div(c3, c2)))
print("run(tf.sqrt(c2 * c3)): ", tfs.run(tf.sqrt(c2 * c3)))
# --8<-- [end:operations]

# --8<-- [start:placeholders]
# --- Placeholders ---------------------------------------------------------------------
# A placeholder has no value of its own: every run that needs it must feed one.
p1 = tf.placeholder(tf.float32)
p2 = tf.placeholder(tf.float32)
print("p1: ", p1)  # no shape given, so the repr shows none (TF: shape=<unknown>)
print("p2: ", p2)
op4 = p1 * p2
print("run(op4, {p1:2.0, p2:3.0}): ", tfs.run(op4, {p1: 2.0, p2: 3.0}))
print("run(op4, feed_dict={p1:3.0, p2:4.0}): ",
      tfs.run(op4, feed_dict={p1: 3.0, p2: 4.0}))
print("run(op4, feed_dict={p1:[2.0, 3.0, 4.0], p2:[3.0, 4.0, 5.0]}): ",
      tfs.run(op4, feed_dict={p1: [2.0, 3.0, 4.0], p2: [3.0, 4.0, 5.0]}))
# --8<-- [end:placeholders]

# --8<-- [start:convert]
# --- Tensors from Python objects: tf.convert_to_tensor ----------------------------------
# 0-D
tf_t = tf.convert_to_tensor(5.0, dtype=tf.float64)
print("tf_t: ", tf_t)
print("run(tf_t): ", tfs.run(tf_t))

# 1-D: indexing a tensor builds a strided_slice op
a1dim = np.array([1, 2, 3, 4, 5.99])
print("shape of a1dim: ", a1dim.shape)
tf_t = tf.convert_to_tensor(a1dim, dtype=tf.float64)
print("tf_t: ", tf_t)
print("tf_t[0]: ", tf_t[0])
print("tf_t[2]: ", tf_t[2])
print("run(tf_t): \n", tfs.run(tf_t))

# 2-D: tf_t[1][2] is two slices, so the names count up by two
a2dim = np.array([(1, 2, 3, 4, 5.99),
                  (2, 3, 4, 5, 6.99),
                  (3, 4, 5, 6, 7.99)])
print("a2dim shape: ", a2dim.shape)
tf_t = tf.convert_to_tensor(a2dim, dtype=tf.float64)
print("tf_t: ", tf_t)
print("tf_t[0][0]: ", tf_t[0][0])
element = tf_t[1][2]  # keep the handle: indexing again would add two more ops
print("tf_t[1][2]: ", element)
print("run(tf_t[1][2]): ", tfs.run(element))
print("run(tf_t): \n", tfs.run(tf_t))

# 3-D: with no dtype the NumPy array's int64 is kept
a3dim = np.array([[[1, 2], [3, 4]],
                  [[5, 6], [7, 8]]])
tf_t = tf.convert_to_tensor(a3dim)
print("a3dim shape: ", a3dim.shape)
print("tf_t: ", tf_t)
print("tf_t[0][0][0]: ", tf_t[0][0][0])
element = tf_t[1][1][1]
print("tf_t[1][1][1]: ", element)
print("run(tf_t[1][1][1]): ", tfs.run(element))
print("run(tf_t): \n", tfs.run(tf_t))

tfs.close()
# --8<-- [end:convert]
