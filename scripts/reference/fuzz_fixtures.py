"""Writes the small PyTorch files the loader's fuzz test mutates (test/fixtures/pytorch/): a model's state dict,
an Adam optimizer's state dict after one step, and a dict whose tensors are views of one shared storage.
Run with Debian's python3-torch: /usr/bin/python3 scripts/reference/fuzz_fixtures.py"""
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Embedding(5, 3), torch.nn.LSTM(3, 4, num_layers=2))
torch.save(model.state_dict(), 'test/fixtures/pytorch/state_dict.pt')

linear = torch.nn.Linear(3, 2)
adam = torch.optim.Adam(linear.parameters(), lr=0.01)
linear(torch.randn(4, 3)).sum().backward()
adam.step()
torch.save(adam.state_dict(), 'test/fixtures/pytorch/adam.pt')

base = torch.arange(24, dtype=torch.float64)
torch.save({'t': base.view(4, 6).t(), 'row': base[6:12], 'ints': torch.arange(5), 'flag': True,
            'nested': [1, 2.5, 'three', None, (4, 5)]}, 'test/fixtures/pytorch/views.pt')
