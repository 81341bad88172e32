"""A generated multi-language workspace for ``arb-lsp eval`` tests: the same small program (an inventory with
totals, a check and a loop) in every language arb-lsp parses, plus files eval must never touch."""

from __future__ import annotations

from pathlib import Path

PROGRAMS = {
    "py/inventory.py": """\
from dataclasses import dataclass


@dataclass
class Item:
    name: str
    price: float
    count: int


def total(items: list[Item]) -> float:
    amount = 0.0
    for item in items:
        if item.count > 0:
            amount += item.price * item.count
    return round(amount, 2)


def cheapest(items: list[Item]) -> Item | None:
    stocked = [item for item in items if item.count > 0]
    if not stocked:
        return None
    best = min(stocked, key=lambda item: item.price)
    print("cheapest", best.name)
    return best
""",
    "js/inventory.js": """\
export function total(items) {
  let amount = 0;
  for (const item of items) {
    if (item.count > 0) {
      amount += item.price * item.count;
    }
  }
  return Math.round(amount * 100) / 100;
}

export function cheapest(items) {
  const stocked = items.filter((item) => item.count > 0);
  if (stocked.length === 0) {
    return null;
  }
  const best = stocked.reduce((a, b) => (a.price <= b.price ? a : b));
  console.log("cheapest", best.name);
  return best;
}
""",
    "ts/inventory.ts": """\
export interface Item {
  name: string;
  price: number;
  count: number;
}

export function total(items: Item[]): number {
  let amount = 0;
  for (const item of items) {
    if (item.count > 0) {
      amount += item.price * item.count;
    }
  }
  return Math.round(amount * 100) / 100;
}
""",
    "go/inventory.go": """\
package inventory

import "fmt"

type Item struct {
	Name  string
	Price float64
	Count int
}

func Total(items []Item) float64 {
	amount := 0.0
	for _, item := range items {
		if item.Count > 0 {
			amount += item.Price * float64(item.Count)
		}
	}
	fmt.Println("total", amount)
	return amount
}
""",
    "rust/inventory.rs": """\
pub struct Item {
    pub name: String,
    pub price: f64,
    pub count: u32,
}

pub fn total(items: &[Item]) -> f64 {
    let mut amount = 0.0;
    for item in items {
        if item.count > 0 {
            amount += item.price * f64::from(item.count);
        }
    }
    println!("total {}", amount);
    amount
}
""",
    "java/Inventory.java": """\
import java.util.List;

public class Inventory {
    public static double total(List<Item> items) {
        double amount = 0.0;
        for (Item item : items) {
            if (item.count > 0) {
                amount += item.price * item.count;
            }
        }
        System.out.println("total " + amount);
        return amount;
    }
}
""",
    "c/inventory.c": """\
#include <stdio.h>

struct item {
    const char *name;
    double price;
    int count;
};

double total(const struct item *items, int n) {
    double amount = 0.0;
    for (int i = 0; i < n; i++) {
        if (items[i].count > 0) {
            amount += items[i].price * items[i].count;
        }
    }
    printf("total %f\\n", amount);
    return amount;
}
""",
    "cpp/inventory.cpp": """\
#include <iostream>
#include <vector>

struct Item {
    std::string name;
    double price;
    int count;
};

double total(const std::vector<Item> &items) {
    double amount = 0.0;
    for (const auto &item : items) {
        if (item.count > 0) {
            amount += item.price * item.count;
        }
    }
    std::cout << "total " << amount << std::endl;
    return amount;
}
""",
}

#: Files eval must never take a site from (nor send): excluded by default, or not a parsed language.
NEVER = {
    ".env": "API_TOKEN=never-sent-secret-value\n",
    "secrets/credentials.py": "PASSWORD = 'never-sent-secret-value'\n",
    "notes.txt": "total = never sent either\n",
}

LANGUAGES = {"python", "javascript", "typescript", "go", "rust", "java", "c", "cpp"}


def make_workspace(root: Path) -> Path:
    for relative, text in {**PROGRAMS, **NEVER}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
