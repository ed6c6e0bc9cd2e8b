from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = [1]

@test_case(points=None, hidden=False)
def test_q3_flips_a_quarter_of_the_labels(q3_noisy, q3_flipped_rows, train_labels, NOISE_RATE, intent_names):
    import numpy as np
    noisy = np.asarray(q3_noisy)
    assert noisy.shape == train_labels.shape, f'q3_noisy should hold one label per training message ({len(train_labels)}), got shape {noisy.shape}'
    assert np.issubdtype(noisy.dtype, np.integer), 'q3_noisy should hold integer intent ids'
    assert noisy.min() >= 0 and noisy.max() < len(intent_names), 'q3_noisy holds an id that is not an intent'
    changed = np.flatnonzero(noisy != train_labels)
    expected = round(NOISE_RATE * len(train_labels))
    assert len(changed) == expected, f'{len(changed)} labels differ from train_labels; flip exactly {expected}'
    assert np.array_equal(np.sort(np.asarray(q3_flipped_rows)), changed), 'q3_flipped_rows should be exactly the rows whose label differs'

