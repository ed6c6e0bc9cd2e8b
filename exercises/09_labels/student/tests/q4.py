from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = [1]

@test_case(points=None, hidden=False)
def test_q4_precision_and_recall_match_the_flags(q4_issues, q4_precision, q4_recall, q3_flipped_rows):
    import numpy as np
    assert hasattr(q4_issues, 'columns') and 'row' in q4_issues.columns, "q4_issues should be the table label_noise.find_label_issues returns (with a 'row' column)"
    flagged = set(np.asarray(q4_issues['row']).tolist())
    flipped = set(np.asarray(q3_flipped_rows).tolist())
    assert flagged, 'q4_issues flags no row: were the probabilities out-of-fold, for q3_noisy?'
    hits = len(flagged & flipped)
    assert abs(float(q4_precision) - hits / len(flagged)) < 1e-09, f'q4_precision should be the share of flags that are flips: {hits} of {len(flagged)}'
    assert abs(float(q4_recall) - hits / len(flipped)) < 1e-09, f'q4_recall should be the share of flips that were flagged: {hits} of {len(flipped)}'

