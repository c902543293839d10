"""The competition road of a craftsman selection (竞赛选拔).

Per occupation of a cycle, the route is data (:class:`~craftsmen.models.ReviewMethod`): the
expert panel alone (综合评审), the competition alone (竞赛选拔), or both weighted
(多模块组合综合比评). On the competition road the occupation's expert committee votes its
seed players (种子选手) from the talent pool (:mod:`.committee`), enterprises and unions
register challengers (挑战者) for an open qualifier (挑战者选拔赛), the best challengers
and the seed players meet in the final (终极挑战赛), and the final's published results
make the occupation's proposed list.

The qualifier and the final are ordinary events of the competitions feature, reached only
through its service functions; appeals against them are ruled by the occupation's
arbitration group (专家仲裁组).
"""
