"""Draw a graph without installing anything: Mermaid text (for docs and notebooks) or a
matplotlib figure (PNG/SVG).

    print(tf.debug.to_mermaid(loss))          # paste into any Mermaid viewer / mkdocs page
    tf.debug.draw_graph(loss, "graph.png")     # layered drawing with matplotlib

Only the ops that the given tensors depend on are drawn (like Session.run, walking back
iteratively), each op once.  ``collapse`` hides name scopes (e.g. ``["gradients"]``) as one
box each, so an optimizer does not bury the model.
"""
from ..framework.tensor import Tensor


def _ops_for(fetches, max_ops):
    if not isinstance(fetches, (list, tuple)):
        fetches = [fetches]
    stack, seen = [], set()
    for f in fetches:
        f = f._to_tensor() if hasattr(f, "_to_tensor") else f
        stack.append(f.op if isinstance(f, Tensor) else f)
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    ops = sorted(seen, key=lambda o: o._id)
    if max_ops is not None and len(ops) > max_ops:
        raise ValueError("The graph has %d ops, more than max_ops=%d: draw a smaller part, "
                         "collapse scopes (collapse=['gradients']) or raise max_ops."
                         % (len(ops), max_ops))
    return ops


def _node_key(op, collapse):
    for scope in collapse:
        if op.name == scope or op.name.startswith(scope + "/"):
            return scope
    return op.name


def graph_edges(fetches, collapse=(), max_ops=2000):
    """(nodes, edges): nodes maps key -> label; edges are (src, dst, tensor label, control)."""
    nodes, edges = {}, []
    for op in _ops_for(fetches, max_ops):
        key = _node_key(op, collapse)
        if key not in nodes:
            nodes[key] = key if key != op.name else "%s\n%s" % (op.name, op.type)
        for t in op.inputs:
            src = _node_key(t.op, collapse)
            if src != key:
                edges.append((src, key, str(t.shape), False))
        for c in op.control_inputs:
            src = _node_key(c, collapse)
            if src != key:
                edges.append((src, key, "", True))
    return nodes, list(dict.fromkeys(edges))


def to_mermaid(fetches, collapse=(), max_ops=2000, direction="LR"):
    """Mermaid flowchart text of the ops that ``fetches`` depend on."""
    nodes, edges = graph_edges(fetches, collapse, max_ops)
    ids = {key: "n%d" % i for i, key in enumerate(nodes)}
    lines = ["graph %s" % direction]
    for key, label in nodes.items():
        text = label.replace("\n", "<br/>").replace('"', "'")
        lines.append('  %s["%s"]' % (ids[key], text))
    for src, dst, shape, control in edges:
        if control:
            lines.append("  %s -.-> %s" % (ids[src], ids[dst]))
        else:
            lines.append('  %s -->|"%s"| %s' % (ids[src], shape, ids[dst]))
    return "\n".join(lines)


def draw_graph(fetches, path=None, collapse=(), max_ops=300, figsize=None):
    """Draw the graph with matplotlib in layers (inputs left, fetches right); save to
    ``path`` (PNG, SVG, PDF by extension) if given; returns the figure."""
    import matplotlib
    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    nodes, edges = graph_edges(fetches, collapse, max_ops)
    keys = list(nodes)
    layer = {k: 0 for k in keys}
    for _ in range(len(keys)):                    # longest path from the inputs
        changed = False
        for src, dst, _, _ in edges:
            if layer[dst] < layer[src] + 1:
                layer[dst] = layer[src] + 1
                changed = True
        if not changed:
            break
    columns = {}
    for k in keys:
        columns.setdefault(layer[k], []).append(k)
    pos = {}
    for col, members in columns.items():
        for row, k in enumerate(members):
            pos[k] = (col * 2.2, -(row - (len(members) - 1) / 2.0) * 1.1)
    width = max(6, 2.2 * (max(columns) + 1))
    height = max(3, 1.1 * max(len(m) for m in columns.values()))
    fig, ax = plt.subplots(figsize=figsize or (min(width, 40), min(height, 40)))
    for src, dst, shape, control in edges:
        (x0, y0), (x1, y1) = pos[src], pos[dst]
        ax.annotate("", xy=(x1 - 0.45, y1), xytext=(x0 + 0.45, y0),
                    arrowprops=dict(arrowstyle="->", color="grey" if control else "black",
                                    linestyle="--" if control else "-", lw=0.8))
    for k, (x, y) in pos.items():
        ax.text(x, y, nodes[k], ha="center", va="center", fontsize=7,
                bbox=dict(boxstyle="round", fc="#e8f0fe", ec="#4a6fa5"))
    ax.set_xlim(-1, width)
    ax.set_ylim(min(p[1] for p in pos.values()) - 1, max(p[1] for p in pos.values()) + 1)
    ax.axis("off")
    if path is not None:
        fig.savefig(path, bbox_inches="tight")
    return fig
